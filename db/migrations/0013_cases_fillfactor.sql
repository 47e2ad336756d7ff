-- An event updates its case's row (state, data, version, updated_at) and never the columns the
-- case indexes but `state` and, rarely, the owner, unit or house. With every page full (the
-- default fillfactor of 100), each update wrote a new row version on another page and a new entry
-- in all seven of the table's indexes; after a checkpoint each of those index pages went to the
-- WAL whole (EXPLAIN (ANALYZE, WAL) of a drug test's update: 9 full-page images, 58 kB). With a
-- fifth of each page kept free, the new version stays on its page and no index changes (a HOT
-- update): one page image. Pages written from now on keep the space; `VACUUM FULL cases` (or
-- pg_repack) applies it to the pages already there.
ALTER TABLE "cases" SET (fillfactor = 80);
