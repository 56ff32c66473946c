-- Flush plans: the offset range of every aggregator batch, recorded BEFORE the batch's rows are inserted.
-- A batch's rows carry insert_deduplication_token = (topic, partition, first, last); after a crash the
-- replacement aggregator reads the plans at or after the committed offset and re-forms exactly these ranges,
-- so its repeat insert carries the same token and is dropped (exactly-once totals; services/aggregator/flush-plans.ts).
-- Plans behind the committed offset are never read again; the TTL drops them.
CREATE TABLE IF NOT EXISTS aggregator_flush_plans
(
    topic     String,
    partition UInt32,
    first     UInt64,
    last      UInt64,
    recorded  DateTime64(3) DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (topic, partition, first)
TTL toDateTime(recorded) + INTERVAL 7 DAY;
