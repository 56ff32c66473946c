-- Hotpath storage, version 1: stacks, series (+ label index), raw samples.
-- One statement per `;`-terminated block; applied once by lib/store/migrations.ts, which records the version.

-- Frame names of each stack, root first. Written once per new stack per aggregator batch; repeats collapse on merge.
CREATE TABLE IF NOT EXISTS stacks
(
    tenant    LowCardinality(String),
    stack_id  UInt64,
    frames    Array(LowCardinality(String)),
    last_seen DateTime
)
ENGINE = ReplacingMergeTree(last_seen)
ORDER BY (tenant, stack_id);

-- One row per series and day it was seen: the label set behind a fingerprint. The day lets label and series
-- queries look only at the days of their range.
CREATE TABLE IF NOT EXISTS series
(
    tenant       LowCardinality(String),
    profile_type LowCardinality(String),
    fingerprint  UInt64,
    day          Date,
    service      LowCardinality(String),
    labels       Map(LowCardinality(String), String)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, profile_type, fingerprint, day);

-- Label index (tenant, name, value, fingerprint) for selectors and label value lists, fed from `series`.
CREATE TABLE IF NOT EXISTS series_labels
(
    tenant       LowCardinality(String),
    profile_type LowCardinality(String),
    day          Date,
    name         LowCardinality(String),
    value        String,
    fingerprint  UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, name, value, profile_type, fingerprint, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS series_labels_mv TO series_labels AS
SELECT tenant, profile_type, day, kv.1 AS name, kv.2 AS value, fingerprint
FROM series
ARRAY JOIN CAST(labels, 'Array(Tuple(LowCardinality(String), String))') AS kv;

-- Summed sample values per (series, bucket, stack). A SummingMergeTree: repeated keys add up on merge, and queries
-- always sum() so unmerged parts count right. The deduplication window makes a batch re-inserted with the same
-- insert_deduplication_token (after a crash or a redelivery) a no-op: exactly-once totals.
CREATE TABLE IF NOT EXISTS samples_raw
(
    tenant       LowCardinality(String),
    profile_type LowCardinality(String),
    service      LowCardinality(String),
    fingerprint  UInt64,
    bucket       DateTime,
    stack_id     UInt64,
    value        Int64
)
ENGINE = SummingMergeTree(value)
PARTITION BY toDate(bucket)
ORDER BY (tenant, profile_type, service, fingerprint, bucket, stack_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- Bus messages an aggregator could not decode: kept with the reason, so a bad message never blocks its partition
-- and is never silently lost.
CREATE TABLE IF NOT EXISTS dead_letters
(
    received  DateTime DEFAULT now(),
    topic     String,
    partition UInt32,
    offset    String,
    reason    String,
    payload   String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received)
ORDER BY (received, topic, partition, offset)
SETTINGS non_replicated_deduplication_window = 1000;
