#include "migrate_fixture.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "real/harness/server_process.hpp"
#include "support/paths.hpp"

namespace rehome::test {
namespace fs = std::filesystem;

namespace {
std::vector<std::string> rehome_argv(const std::vector<std::string>& args,
                                     const fs::path& binary = rehome_binary()) {
  std::vector<std::string> argv = {binary.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

fs::path log_path() {
  static int n = 0;
  return fs::temp_directory_path() /
         ("rehome-migrate-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".log");
}
}  // namespace

RehomeRun run_binary(const fs::path& binary, const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env, const fs::path& cwd) {
  fs::path log = log_path();
  std::vector<std::string> argv = rehome_argv(args, binary);
  if (!cwd.empty()) {
    // spawn() has no cwd option: run through env(1) -C (coreutils >= 8.28).
    argv.insert(argv.begin(), {"/usr/bin/env", "-C", cwd.string()});
  }
  pid_t pid = spawn(argv, {.log_file = log, .env = env, .user = RunAs{.uid = ::getuid(), .gid = ::getgid()}});
  RehomeRun run;
  run.exit_code = wait_child(pid);
  run.output = slurp(log);
  fs::remove(log);
  return run;
}

RehomeRun run_rehome(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                     const fs::path& cwd) {
  return run_binary(rehome_binary(), args, env, cwd);
}

RehomeRun run_rehome_testhooks(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env) {
  return run_binary(rehome_testhooks_binary(), args, env, {});
}

std::string run_rehome_and_kill_at(const std::vector<std::string>& args, const std::string& pause_at) {
  fs::path log = log_path();
  pid_t pid = spawn(rehome_argv(args, rehome_testhooks_binary()),
                    {.log_file = log,
                     .env = {{"REHOME_TEST_PAUSE_AT", pause_at}},
                     .user = RunAs{.uid = ::getuid(), .gid = ::getgid()}});
  const std::string marker = "test pause at " + pause_at;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::string output;
  while (std::chrono::steady_clock::now() < deadline) {
    output = slurp(log);
    if (output.find(marker) != std::string::npos) break;
    if (!child_alive(pid)) {
      fs::remove(log);
      ADD_FAILURE() << "rehome ended before pausing at " << pause_at << ":\n" << output;
      return output;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  wait_child(pid);
  fs::remove(log);
  EXPECT_NE(output.find(marker), std::string::npos) << "never paused at " << pause_at << ":\n" << output;
  return output;
}

KilledRun run_rehome_and_kill_when(const std::vector<std::string>& args, const std::function<bool()>& now) {
  fs::path log = log_path();
  const auto start = std::chrono::steady_clock::now();
  pid_t pid =
      spawn(rehome_argv(args), {.log_file = log, .user = RunAs{.uid = ::getuid(), .gid = ::getgid()}});
  int status = 0;
  pid_t ended = 0;
  while ((ended = ::waitpid(pid, &status, WNOHANG)) == 0 && !now())
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  KilledRun run;
  if (ended == 0) {
    run.killed = ::kill(pid, SIGKILL) == 0;
    wait_child(pid);
  } else {
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.output = slurp(log);
  fs::remove(log);
  return run;
}

KilledRun run_rehome_and_kill_after(const std::vector<std::string>& args, std::chrono::microseconds delay) {
  const auto deadline = std::chrono::steady_clock::now() + delay;
  return run_rehome_and_kill_when(args, [deadline] { return std::chrono::steady_clock::now() >= deadline; });
}

void fill_source(const PostgresServer& pg, const std::string& db, int big_rows) {
  pg.psql(R"SQL(
CREATE SCHEMA billing;
CREATE TYPE public.order_status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE public.customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE,
  created timestamptz NOT NULL DEFAULT '2024-01-01 10:00:00+02');
CREATE TABLE public.orders (id bigserial PRIMARY KEY, customer_id int REFERENCES public.customers(id),
  status public.order_status, amount numeric(20, 6), items jsonb, meta json, tags text[], scores int[],
  payload bytea, note text, placed_at timestamptz, ratio double precision);
CREATE INDEX orders_customer_idx ON public.orders (customer_id);
CREATE TABLE public.events (at timestamptz, kind text, data json);
CREATE TABLE public.empty_table (id int PRIMARY KEY, x text);
CREATE TABLE billing.invoices (id serial PRIMARY KEY, order_id bigint REFERENCES public.orders(id),
  total numeric NOT NULL CHECK (total >= 0), issued date);
CREATE SEQUENCE billing.invoice_numbers START 1000;
CREATE TABLE public.audit (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, who text,
  amount_cents bigint, amount numeric GENERATED ALWAYS AS (amount_cents / 100.0) STORED);
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := NEW.note; RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch();

INSERT INTO public.customers (name, email)
  SELECT 'customer ' || i || ' — 日本語 ✓ 🎉', 'c' || i || '@example.org' FROM generate_series(1, 500) i;
INSERT INTO public.customers (name, email) VALUES (E'quote '' backslash \\ tab \t newline \n end', NULL);
INSERT INTO public.orders (customer_id, status, amount, items, meta, tags, scores, payload, note, placed_at, ratio)
  SELECT 1 + i % 500, (ARRAY['new', 'paid', 'shipped'])[1 + i % 3]::public.order_status,
         12345678901234.123456 / i, jsonb_build_object('sku', i, 'qty', i % 7, 'name', 'ü' || i),
         ('{"raw": ' || i || ', "spaces":  true}')::json, ARRAY['a' || i, NULL, 'ç'], ARRAY[i, -i, 0],
         decode(md5(i::text), 'hex') || '\x00ff'::bytea,
         CASE WHEN i % 10 = 0 THEN NULL ELSE repeat('note ', i % 50) END,
         '2024-03-10 02:30:00+01'::timestamptz + i * interval '1 hour', i / 3.0
  FROM generate_series(1, 3000) i;
INSERT INTO public.orders (customer_id, note) VALUES (NULL, repeat('long text ✓ ', 100000));
INSERT INTO public.events SELECT now() - i * interval '1 minute', 'kind' || i % 5, '{"n": 1}' FROM generate_series(1, 2000) i;
INSERT INTO public.events SELECT now() - i * interval '1 minute', 'dup', '{"n": 1}' FROM generate_series(1, 5) i;
INSERT INTO public.events VALUES (NULL, NULL, NULL), (NULL, NULL, NULL);
INSERT INTO billing.invoices (order_id, total, issued) SELECT i, i * 1.5, '2024-01-01'::date + i FROM generate_series(1, 1000) i;
SELECT nextval('billing.invoice_numbers') FROM generate_series(1, 42);
INSERT INTO public.audit (who, amount_cents) SELECT 'user' || i, i * 137 FROM generate_series(1, 200) i;
-- Every type the stream proof hashes like the server (no enum here, unlike public.orders).
CREATE TABLE public.documents (id smallint PRIMARY KEY, doc jsonb, raw json, tags text[], grid int[][],
  amount numeric, ratio real, score double precision, code char(10), label varchar(40), ref uuid,
  day date, at time, stamp timestamp, ok boolean, flag "char", owner name, rel oid, blob bytea);
INSERT INTO public.documents
  SELECT i, jsonb_build_object('n', i, 'neg', -i * 1.5, 'exp', 1e-7 * i, 'nested', jsonb_build_array(i, jsonb_build_array(), '{}'::jsonb,
           'esc "q" \ ' || chr(9) || chr(1) || ' ü✓'), 'empty', '', 'f', i % 2 = 0, 'nil', NULL),
         ('{"b": ' || i || ', "a":  [1, 2]}')::json, ARRAY['t' || i, NULL, ''], ARRAY[[i, -i], [0, NULL]],
         (i - 150) * 1.05 / 7, i / 3.0, -i / 7.0, 'c' || i, 'label ' || i, md5(i::text)::uuid,
         '2024-02-29'::date + i, '12:00'::time + i * interval '1 minute', '2000-01-01'::timestamp - i * interval '1 day',
         i % 3 = 0, chr(65 + i % 26)::"char", ('n' || i)::name, i, decode(repeat('00ff', i % 5), 'hex')
  FROM generate_series(1, 300) i;
INSERT INTO public.documents (id, doc, amount, ratio, score, day, stamp, tags, grid) VALUES
  (1001, '"a scalar"', 'NaN', 'NaN', '-0', 'infinity', '-infinity', '{}', '[0:1][2:3]={{1,2},{3,4}}'),
  (1002, '[]', 'Infinity', '-Infinity', 'Infinity', '-infinity', 'infinity', '{NULL}', '{}'),
  (1003, '{}', '-Infinity', '0', '1e-310', '1999-12-31', '1999-12-31 23:59:59.999999', NULL, NULL),
  (1004, '[[1], 2, [[3]], -0.0, 1.50, 12345678901234567890.000000001]', '0.000', NULL, '2.5e300', NULL, NULL,
   '{"a b","{c}","\\"}', NULL),
  (1005, 'null', '-0.00001', NULL, NULL, NULL, NULL, NULL, NULL);
DO $$ BEGIN
  FOR i IN 1..30 LOOP
    EXECUTE format('CREATE TABLE public.small_%s (id serial PRIMARY KEY, v text, n int)', lpad(i::text, 2, '0'));
    EXECUTE format('INSERT INTO public.small_%s (v, n) SELECT md5(g::text), g FROM generate_series(1, %s) g',
                   lpad(i::text, 2, '0'), i * 10);
  END LOOP;
END $$;
)SQL",
          db);
  if (big_rows > 0) {
    pg.psql(
        "CREATE TABLE public.big (id bigserial PRIMARY KEY, grp int, val double precision, txt text);"
        "INSERT INTO public.big (grp, val, txt) SELECT g % 97, g * 0.5, md5(g::text) || md5((g * 7)::text) "
        "FROM generate_series(1, " +
            std::to_string(big_rows) +
            ") g;"
            "CREATE INDEX big_grp_idx ON public.big (grp); ANALYZE;",
        db);
  }
}

std::map<std::string, std::string> table_fingerprints(const PostgresServer& pg, const std::string& db) {
  std::string tables = pg.psql(
      "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = "
      "c.relnamespace "
      "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE '\\_rehome\\_%' ORDER BY 1",
      db);  // rehome's bookkeeping (_rehome_migrate.run, _rehome_follow) is not the user's data
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < tables.size()) {
    size_t end = tables.find('\n', start);
    if (end == std::string::npos) end = tables.size();
    std::string t = tables.substr(start, end - start);
    start = end + 1;
    if (t.empty()) continue;
    out[t] = pg.psql(
        "SET timezone = 'UTC'; SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY "
        "x::text)), '-') FROM " +
            t + " x",
        db);
  }
  return out;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "rehome-migrate-state-XXXXXX").string();
  path = ::mkdtemp(pattern.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace rehome::test
