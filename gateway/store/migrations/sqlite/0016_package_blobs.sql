-- Package zips (issue 17): with SQLite they stay files under
-- data_dir/packages/<sha256>.zip (store/blobs.c), as before; the tables
-- PostgreSQL keeps them in (blobs, blob_chunks) are not needed here. This
-- migration keeps the two backends' numbering in step.
SELECT 1;
