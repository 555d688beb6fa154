SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO');
CREATE DATABASE app CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE app;
CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL, email VARCHAR(200) UNIQUE,
  latin VARCHAR(50) CHARACTER SET latin1, created TIMESTAMP NOT NULL DEFAULT '2024-01-01 10:00:00', zero_ok INT) ENGINE=InnoDB;
INSERT INTO customers (id, name, email, latin, zero_ok) VALUES (0, 'zero id', NULL, NULL, 0);
INSERT INTO customers (name, email, latin, zero_ok) SELECT CONCAT('customer ', seq, ' — 日本語 ✓ 🎉'), CONCAT('c', seq, '@example.org'), CONCAT('caf', CHAR(233 USING latin1)), seq FROM seq_1_to_500;
INSERT INTO customers (name, email) VALUES ('quote '' backslash \\ tab \t newline \n nul \0 end', NULL), ('', ''), ('🎉🎉🎉', NULL);
CREATE TABLE orders (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, customer_id INT, amount DECIMAL(20,6), big DECIMAL(65,30),
  items JSON, payload VARBINARY(64), blob_data LONGBLOB, note MEDIUMTEXT, placed DATETIME(6), ratio DOUBLE, f FLOAT, flags BIT(5),
  status ENUM('new','paid','shipped'), tags SET('a','b','c'), day DATE, t TIME(3), y YEAR,
  total DECIMAL(21,6) AS (amount * 2) STORED, label VARCHAR(50) AS (CONCAT('o', id)) VIRTUAL,
  FOREIGN KEY (customer_id) REFERENCES customers(id), KEY (customer_id)) ENGINE=InnoDB AUTO_INCREMENT=1;
INSERT INTO orders (customer_id, amount, big, items, payload, blob_data, note, placed, ratio, f, flags, status, tags, day, t, y)
  SELECT 1 + seq % 500, 12345678901234.123456 / seq, 1.0 / 3 * seq, JSON_OBJECT('sku', seq, 'name', CONCAT('ü', seq), 'emoji', '🎉'),
    UNHEX(MD5(seq)), IF(seq % 50 = 0, REPEAT(UNHEX('00FF0A0D5C27'), 1000), NULL), IF(seq % 10 = 0, NULL, REPEAT('note ', seq % 50)),
    '2024-03-10 02:30:00.123456' + INTERVAL seq HOUR, seq / 3.0, seq / 7.0, seq % 32, ELT(1 + seq % 3, 'new', 'paid', 'shipped'),
    IF(seq % 4 = 0, 'a,c', 'b'), '2024-02-29' + INTERVAL seq DAY, SEC_TO_TIME(seq * 7.123), 1901 + seq % 255
  FROM seq_1_to_3000;
INSERT INTO orders (customer_id, note, ratio, f) VALUES (NULL, REPEAT('long text ✓ ', 100000), 1e308, -3.4e38), (NULL, NULL, -0.0, 1e-38);
ALTER TABLE orders AUTO_INCREMENT = 5000;
CREATE TABLE places (id INT PRIMARY KEY, pos POINT NOT NULL, area POLYGON, SPATIAL INDEX(pos)) ENGINE=InnoDB;
INSERT INTO places SELECT seq, POINT(seq / 10, -seq / 3), IF(seq % 3 = 0, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 1,0 0))'), NULL) FROM seq_1_to_200;
CREATE TABLE events_log (at DATETIME, kind VARCHAR(20), data TEXT) ENGINE=InnoDB;
INSERT INTO events_log SELECT '2024-01-01' + INTERVAL seq MINUTE, CONCAT('kind', seq % 5), '{"n": 1}' FROM seq_1_to_2000;
INSERT INTO events_log VALUES ('2024-01-01', 'dup', 'x'), ('2024-01-01', 'dup', 'x'), (NULL, NULL, NULL), (NULL, NULL, NULL);
CREATE TABLE codes (region CHAR(2) NOT NULL, code VARCHAR(20) COLLATE utf8mb4_bin NOT NULL, n INT, PRIMARY KEY (region, code)) ENGINE=InnoDB;
INSERT INTO codes SELECT ELT(1 + seq % 4, 'de', 'fr', 'jp', 'ü1'), CONCAT(IF(seq % 2, 'A', 'a'), seq, '✓'), seq FROM seq_1_to_45000;
CREATE TABLE legacy (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=MyISAM;
INSERT INTO legacy SELECT seq, CONCAT('v', seq) FROM seq_1_to_1000;
CREATE TABLE big (id INT AUTO_INCREMENT PRIMARY KEY, grp INT, val DOUBLE, txt VARCHAR(100), KEY (grp)) ENGINE=InnoDB;
INSERT INTO big (grp, val, txt) SELECT seq % 97, seq * 0.5, CONCAT(MD5(seq), MD5(seq * 7)) FROM seq_1_to_200000;
CREATE TABLE empty_table (id INT PRIMARY KEY, x TEXT);
CREATE VIEW order_totals AS SELECT c.name, SUM(o.amount) AS total FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name;
CREATE VIEW a_top AS SELECT * FROM order_totals WHERE total > 100;
CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.note = CONCAT('trg:', IFNULL(NEW.note, ''));
CREATE TRIGGER customers_bu BEFORE UPDATE ON customers FOR EACH ROW SET NEW.zero_ok = OLD.zero_ok + 1;
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
DELIMITER //
CREATE PROCEDURE count_orders(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM orders; END //
DELIMITER ;
CREATE EVENT purge_log ON SCHEDULE EVERY 1 DAY DO DELETE FROM events_log WHERE at < NOW() - INTERVAL 10 YEAR;
CREATE USER 'app'@'%' IDENTIFIED BY 'app-secret-pw-123';
GRANT SELECT, INSERT, UPDATE ON app.* TO 'app'@'%';
CREATE USER 'reporter'@'localhost' IDENTIFIED BY 'reporter-secret-pw';
GRANT SELECT (name) ON app.customers TO 'reporter'@'localhost';
GRANT EXECUTE ON FUNCTION app.twice TO 'reporter'@'localhost';
CREATE DEFINER = 'app'@'%' SQL SECURITY DEFINER VIEW app_view AS SELECT id, name FROM customers;
ANALYZE TABLE customers, orders, places, events_log, codes, legacy, big;
