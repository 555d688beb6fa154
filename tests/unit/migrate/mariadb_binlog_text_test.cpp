// The MariaDB follow's pure pieces: mariadb-binlog's output read into items, statements classified,
// positions parsed and ordered, the selection.
#include <gtest/gtest.h>

#include <sstream>

#include "migrate/mariadb/follow_steps.hpp"

using namespace rehome::migrate;
using namespace rehome::migrate::mariadb;

namespace {

// As mariadb-binlog 10.11 prints it (--read-from-remote-server, a table renamed by --rewrite-db).
const char* kScript = R"(/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/;
DELIMITER /*!*/;
# at 1890
#700101  0:00:00 server id 7  end_log_pos 0 	Rotate to binlog.000001  pos: 1890
#261207  5:52:29 server id 7  end_log_pos 0 CRC32 0x68080aad 	Start: binlog v 4, server v 10.11.19
BINLOG '
nUkWaw8HAAAA/AAAAAAAAAAAAAQAMTAuMTEuMTktTWFyaWFEQi0wK2RlYjEydTEtbG9nAAAAAAAA
'/*!*/;
# at 1890
#261207  5:53:23 server id 7  end_log_pos 1932 CRC32 0x01a61ef6 	GTID 0-7-8 trans
/*M!100001 SET @@session.gtid_seq_no=8*//*!*/;
START TRANSACTION
/*!*/;
# at 1932
#261207  5:53:23 server id 7  end_log_pos 1989 CRC32 0x2c11928f 	Annotate_rows:
#Q> insert into app.t values (9,'q',3)
#261207  5:53:23 server id 7  end_log_pos 2038 CRC32 0xe34cc2aa 	Table_map: `app2`.`t``x` mapped to number 22
# at 2038
#261207  5:53:23 server id 7  end_log_pos 2083 CRC32 0xc73ede71 	Write_rows: table id 22 flags: STMT_END_F

BINLOG '
00kWaxMHAAAAMgAAAPYHAAAAABYAAAAAAAEABGFwcDIAAXQAAwMP9gRQAAoCBqrCTOM=
'/*!*/;
# Number of rows: 1
#261207  5:53:23 server id 7  end_log_pos 2114 CRC32 0xf963938f 	Xid = 25
COMMIT/*!*/;
#261207  5:53:24 server id 7  end_log_pos 2301 CRC32 0x394ac2db 	Query	thread_id=5	exec_time=0	error_code=0
use `app2`/*!*/;
/*!\C utf8mb4 *//*!*/;
create table t2 (
# a comment line inside the statement
id int primary key)
/*!*/;
DELIMITER ;
# End of log file
)";

std::vector<BinlogItem> parse(const std::string& text) {
  BinlogTextParser parser;
  std::vector<BinlogItem> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) parser.line(line, out);
  return out;
}

}  // namespace

TEST(MariadbBinlogText, SplitsHeadersAndStatementsAtTheDelimiter) {
  auto items = parse(kScript);
  std::vector<std::string> seen;
  for (const auto& i : items)
    seen.push_back(i.kind == BinlogItem::Kind::header ? "#" + i.event : i.sql.substr(0, 20));
  std::vector<std::string> expected = {"/*!50530 SET @@SESSI",
                                       "#Rotate",
                                       "#Start",
                                       "BINLOG '\nnUkWaw8HAAA",
                                       "#GTID",
                                       "/*M!100001 SET @@ses",
                                       "START TRANSACTION",
                                       "#Annotate_rows",
                                       "#Table_map",
                                       "#Write_rows",
                                       "BINLOG '\n00kWaxMHAAA",
                                       "#Xid",
                                       "COMMIT",
                                       "#Query",
                                       "use `app2`",
                                       "/*!\\C utf8mb4 */",
                                       "create table t2 (\n# "};
  EXPECT_EQ(seen, expected);
  const auto& rotate = items[1];
  EXPECT_EQ(rotate.rotate_file, "binlog.000001");
  EXPECT_EQ(rotate.rotate_pos, 1890);
  EXPECT_EQ(items[2].end_pos, 0);
  const auto& map = items[8];
  EXPECT_EQ(map.table_db, "app2");
  EXPECT_EQ(map.table_name, "t`x");
  EXPECT_EQ(map.end_pos, 2038);
  EXPECT_EQ(items[11].end_pos, 2114);
  EXPECT_EQ(items.back().sql,
            "create table t2 (\n# a comment line inside the statement\nid int primary key)");
}

TEST(MariadbBinlogText, ClassifiesStatements) {
  std::string arg;
  EXPECT_EQ(classify_statement("START TRANSACTION"), StatementKind::begin);
  EXPECT_EQ(classify_statement("BEGIN"), StatementKind::begin);
  EXPECT_EQ(classify_statement("COMMIT"), StatementKind::commit);
  EXPECT_EQ(classify_statement("ROLLBACK /* added by mysqlbinlog */"), StatementKind::rollback);
  EXPECT_EQ(classify_statement("BINLOG '\nabc\n'"), StatementKind::binlog);
  EXPECT_EQ(classify_statement("/*!\\C utf8mb4 */", &arg), StatementKind::charset);
  EXPECT_EQ(arg, "utf8mb4");
  EXPECT_EQ(classify_statement("use `my``db`", &arg), StatementKind::use);
  EXPECT_EQ(arg, "my`db");
  EXPECT_EQ(classify_statement("/*M!100001 SET @@session.server_id=7*/"), StatementKind::identity);
  EXPECT_EQ(classify_statement("/*M!100001 SET @@session.gtid_seq_no=8*/"), StatementKind::identity);
  EXPECT_EQ(classify_statement("SET TIMESTAMP=1796622752"), StatementKind::session);
  EXPECT_EQ(classify_statement("/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/"), StatementKind::session);
  EXPECT_EQ(classify_statement("alter table w add column z int"), StatementKind::query);
  EXPECT_EQ(classify_statement("COMMITTED_SOMETHING"), StatementKind::query);
}

TEST(MariadbBinlogText, PositionsParseAndOrderByFileNumberThenOffset) {
  auto p = parse_binlog_position("binlog.000003:1234, gtid 0-1-42");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->file, "binlog.000003");
  EXPECT_EQ(p->pos, 1234);
  EXPECT_EQ(p->text(), "binlog.000003:1234");
  EXPECT_FALSE(parse_binlog_position("binlog off"));
  EXPECT_FALSE(parse_binlog_position("binlog.000001:12x"));
  EXPECT_LT(compare_positions({"binlog.000009", 99999}, {"binlog.000010", 4}), 0);
  EXPECT_GT(compare_positions({"binlog.000010", 500}, {"binlog.000010", 4}), 0);
  EXPECT_EQ(compare_positions({"binlog.000010", 4}, {"binlog.000010", 4}), 0);
}

TEST(MariadbBinlogText, SelectionByDatabaseOrTableNeverTheBookkeeping) {
  FollowSelection whole{.databases = {"app"}};
  EXPECT_TRUE(whole.wants_table("app", "anything"));
  EXPECT_FALSE(whole.wants_table("other", "t"));
  EXPECT_FALSE(whole.wants_database("_rehome"));
  FollowSelection some{.tables = {"app.orders"}};
  EXPECT_TRUE(some.wants_table("app", "orders"));
  EXPECT_FALSE(some.wants_table("app", "users"));
  EXPECT_TRUE(some.wants_database("app"));
  EXPECT_FALSE(some.wants_database("ap"));
}
