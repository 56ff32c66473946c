-- Hotpath storage, version 3: storage tiers and per-row retention (ARCHITECTURE.md §3).
--
-- `samples_raw` (written by the aggregator) feeds `samples_1m` and `samples_1h` through materialized views, so a
-- sample is written once and every tier sums to the same totals. Rows carry the retention tier of their service
-- at insert (`retention`: critical, standard, batch), and `inserted_at`, the latest insert that touched the row.
--
-- The TTL expressions and the rollup views' bucket sizes come from configuration (HOTPATH_TIER_*), so they are
-- not fixed here: lib/store/tiers-ddl.ts sets them after the migrations (ALTER … MODIFY TTL / MODIFY QUERY) and
-- again whenever the configuration changes. A row lives until greatest(its time, inserted_at) + the TTL of its
-- retention tier in that table: by its own time, as retention means, except that a profile sent late (or with an
-- old timestamp) still lives a full TTL after it arrived instead of vanishing at the next merge.

-- `retention` joins the sorting key (at its end, as ALTER allows only for a column added in the same statement,
-- and without a default for the same reason): a service whose tier changes inside a bucket keeps two rows, each
-- expiring on its own, instead of one row with an arbitrary tier. Rows written before this migration read ''
-- and expire as the default tier. `inserted_at` is a max, not an arbitrary pick, when rows merge.
ALTER TABLE samples_raw
    ADD COLUMN IF NOT EXISTS retention LowCardinality(String),
    ADD COLUMN IF NOT EXISTS inserted_at SimpleAggregateFunction(max, DateTime) DEFAULT now() CODEC(Delta, ZSTD(1)),
    MODIFY ORDER BY (tenant, profile_type, service, fingerprint, bucket, stack_id, retention);

-- Rollup tiers. Partitioned by (retention, day): every row of a part has the same tier and day, so a whole part
-- expires at once and `ttl_only_drop_parts` drops it without rewriting anything. (`samples_raw`, partitioned by
-- day only since version 1, mixes tiers in a part and expires row by row in TTL merges instead.) The
-- deduplication window, with the session's deduplicate_blocks_in_dependent_materialized_views, makes a raw
-- insert repeated with the same token a no-op here too.
CREATE TABLE IF NOT EXISTS samples_1m
(
    tenant       LowCardinality(String),
    profile_type LowCardinality(String),
    service      LowCardinality(String),
    fingerprint  UInt64,
    bucket       DateTime,
    stack_id     UInt64,
    retention    LowCardinality(String),
    value        Int64,
    inserted_at  SimpleAggregateFunction(max, DateTime) DEFAULT now() CODEC(Delta, ZSTD(1))
)
ENGINE = SummingMergeTree(value)
PARTITION BY (retention, toDate(bucket))
ORDER BY (tenant, profile_type, service, fingerprint, bucket, stack_id)
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS samples_1h
(
    tenant       LowCardinality(String),
    profile_type LowCardinality(String),
    service      LowCardinality(String),
    fingerprint  UInt64,
    bucket       DateTime,
    stack_id     UInt64,
    retention    LowCardinality(String),
    value        Int64,
    inserted_at  SimpleAggregateFunction(max, DateTime) DEFAULT now() CODEC(Delta, ZSTD(1))
)
ENGINE = SummingMergeTree(value)
PARTITION BY (retention, toDate(bucket))
ORDER BY (tenant, profile_type, service, fingerprint, bucket, stack_id)
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

-- Both rollups read raw inserts directly (not 1h from 1m): the downsampling of one tier never feeds another.
-- Buckets are epoch-aligned, as the query side computes them. The bucket sizes here are the defaults; a
-- configured size replaces the query (lib/store/tiers-ddl.ts).
CREATE MATERIALIZED VIEW IF NOT EXISTS samples_1m_mv TO samples_1m AS
SELECT tenant, profile_type, service, fingerprint, toDateTime(intDiv(toUInt32(bucket), 60) * 60) AS bucket, stack_id, retention, value, inserted_at
FROM samples_raw;

CREATE MATERIALIZED VIEW IF NOT EXISTS samples_1h_mv TO samples_1h AS
SELECT tenant, profile_type, service, fingerprint, toDateTime(intDiv(toUInt32(bucket), 3600) * 3600) AS bucket, stack_id, retention, value, inserted_at
FROM samples_raw;

-- Series rows get the retention of their service too (in the key, for the same reason as above) and expire
-- after the longest-lived samples that can reference them; the label index and the stacks, which no single
-- service owns, after the longest TTL of any tier. `inserted_at` is the last write of the row (ReplacingMergeTree
-- without a version keeps the last insert); the aggregator rewrites rows in use at least daily.
ALTER TABLE series
    ADD COLUMN IF NOT EXISTS retention LowCardinality(String),
    ADD COLUMN IF NOT EXISTS inserted_at DateTime DEFAULT now(),
    MODIFY ORDER BY (tenant, profile_type, fingerprint, day, retention);

ALTER TABLE series_labels
    ADD COLUMN IF NOT EXISTS inserted_at DateTime DEFAULT now();

-- What lib/store/tiers-ddl.ts last applied per object (a table's TTL, a view's query), so it alters only on change.
CREATE TABLE IF NOT EXISTS tier_ddl_state
(
    object     String,
    ddl        String,
    applied_at DateTime64(3) DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY object;
