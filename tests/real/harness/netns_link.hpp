#pragma once
// A network namespace joined to this machine by one veth pair, as a server on a point-to-point link:
// the namespace end has 198.18.0.<2k+129>, this machine's end 198.18.0.<2k+128> (k from the test's
// pid, so two test processes do not collide), routed to each other and to nothing else. What a test
// does inside (a dockerd, a firewall) stays inside; the veth goes when the namespace is deleted.
//
//   LinkedNamespace server("rehome-rb");        // ip netns add, veth, addresses, up
//   server.address();                           // "198.18.0.151": reachable from here
//   nsenter --net=/var/run/netns/<server.name()> ...
//   // ~LinkedNamespace: ip netns delete (the veth pair goes with it)
#include <string>

#include "real/harness/dockerd.hpp"

namespace rehome::test {

class LinkedNamespace {
 public:
  explicit LinkedNamespace(const std::string& prefix = "rehome-ln");  // name <prefix>-<pid>-<n>: swept
  ~LinkedNamespace();
  LinkedNamespace(const LinkedNamespace&) = delete;
  LinkedNamespace& operator=(const LinkedNamespace&) = delete;

  const std::string& name() const { return ns_.name(); }
  std::string path() const { return ns_.path().string(); }
  const std::string& address() const { return address_; }    // inside the namespace
  const std::string& host_address() const { return host_; }  // this machine's end
  const std::string& host_link() const { return link_; }     // this machine's veth (ip link set down)
  // argv run inside the namespace: {nsenter, --net=<path>, --, argv...}
  std::vector<std::string> inside(const std::vector<std::string>& argv) const;

 private:
  NetworkNamespace ns_;
  std::string link_, address_, host_;
};

}  // namespace rehome::test
