-- Background merges of the tables every flush writes to: a merge takes at least 30 parts at once.
--
-- Every aggregator flush writes one small part to each of these tables (samples_raw, its four rollup views' tables
-- and ingest_ids), about once a second under load. With the default policy (min_parts_to_merge_at_once = 0) the
-- engine merges a handful of those small parts as soon as they exist, then merges the results again: every row is
-- rewritten many times, and on a 2-core single node those merges took 30–39 % of a core at ~1 150 profiles/s,
-- competing with ingest for CPU (BENCHMARKS.md, "Ingest, second pass"). Merging 30 parts at a time rewrites each row fewer
-- times: merge CPU fell to ~10 % and the ingest rate rose with it. The cost is more active parts per partition
-- between merges (tens, not a handful), which queries read in parallel; totals never depend on merges, since every
-- query sums (SummingMergeTree) or picks the latest row (ReplacingMergeTree) itself.
ALTER TABLE samples_raw MODIFY SETTING min_parts_to_merge_at_once = 30;
ALTER TABLE samples_1m MODIFY SETTING min_parts_to_merge_at_once = 30;
ALTER TABLE samples_1h MODIFY SETTING min_parts_to_merge_at_once = 30;
ALTER TABLE service_samples_1m MODIFY SETTING min_parts_to_merge_at_once = 30;
ALTER TABLE service_samples_1h MODIFY SETTING min_parts_to_merge_at_once = 30;
ALTER TABLE ingest_ids MODIFY SETTING min_parts_to_merge_at_once = 30;
