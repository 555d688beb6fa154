#pragma once
#include <string>

namespace rehome {

// Secrets never reach logs, reports, plans or errors. Everything that prints a connection string or
// a command line passes it through these first.

// postgres://user:pw@host/db -> postgres://user:***@host/db ; also `password=...` in libpq keyword
// strings and redis://:pw@host.
std::string mask_url(const std::string& url);

// Masks every URL and `password=`/`PGPASSWORD=`/`--password=`-style value found anywhere in `text`.
std::string mask_secrets(const std::string& text);

}  // namespace rehome
