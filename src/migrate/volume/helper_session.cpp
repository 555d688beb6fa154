#include "migrate/volume/helper_session.hpp"

#include <cstring>

#include "common/error.hpp"

namespace rehome::migrate::volume {

HelperSession::HelperSession(const engines::DockerApi& api, const std::string& image, const Mount& mount,
                             std::chrono::seconds idle)
    : api_(&api), mount_(mount), image_(image), idle_(idle) {
  id_ = create_helper(api, image, "serve", mount);
  try {
    stream_ = std::make_unique<engines::AttachedStream>(api.socket_path(), id_, idle);
    start_container(api, id_);
  } catch (...) {
    remove_container(api, id_);
    throw;
  }
}

HelperSession::~HelperSession() {
  // An engine that stopped answering is left alone: its helper is removed by the next run
  // (remove_stale_helpers), and the pass stops now instead of waiting on it again.
  if (stream_ && stream_->stalled()) return;
  try {
    stream_->close_stdin();
    std::string rest;
    int kind;
    while (stream_->read_frame(kind, rest)) {
    }
    stream_.reset();
  } catch (const std::exception&) {
  }
  remove_container(*api_, id_);
}

void HelperSession::start(const std::string& command, const std::string& input) {
  std::string head = command + "\n";
  uint64_t n = input.size();
  for (int i = 0; i < 8; ++i) head += static_cast<char>((n >> (8 * i)) & 0xff);
  write(head);
  write(input);
}

void HelperSession::start_raw(const std::string& command) { write(command + "\n"); }

void HelperSession::write(const std::string& bytes) {
  // A helper that stopped (a full disk) is found by asking its engine, not by the write failing: dockerd
  // keeps an exited container's attach connection open for minutes.
  stream_->write_stdin(bytes, [this] { return !container_running(*api_, id_); });
}

bool HelperSession::read_bytes(char* dst, size_t n) {
  while (n > 0) {
    if (pos_ >= buf_.size()) {
      int kind;
      std::string chunk;
      if (!stream_->read_frame(kind, chunk)) return false;
      if (kind == 2) {
        stderr_ += chunk;
        continue;
      }
      buf_.swap(chunk);
      pos_ = 0;
      continue;
    }
    size_t take = std::min(n, buf_.size() - pos_);
    std::memcpy(dst, buf_.data() + pos_, take);
    pos_ += take;
    dst += take;
    n -= take;
  }
  return true;
}

std::string HelperSession::frame() {
  unsigned char h[4];
  if (!read_bytes(reinterpret_cast<char*>(h), 4))
    throw UserError("the volume helper on " + api_->socket_path() + " stopped: " + stderr_.substr(0, 600),
                    "run the same command again: finished files are kept");
  uint32_t n = uint32_t{h[0]} | (uint32_t{h[1]} << 8) | (uint32_t{h[2]} << 16) | (uint32_t{h[3]} << 24);
  std::string out(n, '\0');
  if (!read_bytes(out.data(), n))
    throw UserError("the volume helper on " + api_->socket_path() + " stopped: " + stderr_.substr(0, 600),
                    "run the same command again: finished files are kept");
  return out;
}

bool HelperSession::next_output(std::string& chunk) {
  chunk = frame();
  return !chunk.empty();
}

HelperRun HelperSession::status() {
  std::string text = frame();
  size_t nl = text.find('\n');
  HelperRun run;
  run.exit_code = std::atoi(text.substr(0, nl).c_str());
  run.err = nl == std::string::npos ? std::string() : text.substr(nl + 1);
  return run;
}

HelperRun HelperSession::run(const std::string& command, const std::string& input) {
  start(command, input);
  return run_rest();
}

HelperRun HelperSession::run_rest() {
  std::string out, chunk;
  while (next_output(chunk)) out += chunk;
  HelperRun result = status();
  result.out = std::move(out);
  return result;
}

}  // namespace rehome::migrate::volume
