-- The samples tables merge at least 60 parts at once (009 set 30).
--
-- While a table is small, the engine merges its partition's large part again with every batch of new parts (the
-- level of samples_raw's daily part reached 23–25 in a 300 s fleet run: 688 inserts, re-merged every ~30), so the
-- merge work grows with the table during the first hours: the merge threads used 21 % of a core in a 300 s run's
-- first minute and 59 % in its last, and ingest fell with it (BENCHMARKS.md, "Ingest, seventh pass"). Twice as
-- many parts per merge halves those rewrites: with this and 010, the merge threads used 13 % and 29 % in the same
-- windows, and the run gave 2 191 profiles/s instead of 1 972–2 058. The cost is up to ~60 more small parts per
-- partition between merges (parts_to_delay_insert is 1 000), which queries read in parallel; totals never depend on
-- merges (every query sums).
ALTER TABLE samples_raw MODIFY SETTING min_parts_to_merge_at_once = 60;
ALTER TABLE samples_1m MODIFY SETTING min_parts_to_merge_at_once = 60;
ALTER TABLE samples_1h MODIFY SETTING min_parts_to_merge_at_once = 60;
ALTER TABLE service_samples_1m MODIFY SETTING min_parts_to_merge_at_once = 60;
ALTER TABLE service_samples_1h MODIFY SETTING min_parts_to_merge_at_once = 60;
