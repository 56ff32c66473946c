/**
 * The client side of Grafana's query API for tests: the querier.v1 / types.v1 messages a test sends and reads,
 * written from compat-details §3.2 (field numbers as listed there), independent of Hotpath's own schemas/, so a
 * wrong field number on either side fails the test.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package types.v1;
message LabelPair { string name = 1; string value = 2; }
message Labels { repeated LabelPair labels = 1; }
message ProfileType { string ID = 1; string name = 2; string sample_type = 4; string sample_unit = 5; string period_type = 6; string period_unit = 7; }
message LabelNamesRequest { repeated string matchers = 1; int64 start = 2; int64 end = 3; }
message LabelNamesResponse { repeated string names = 1; }
message LabelValuesRequest { string name = 1; repeated string matchers = 2; int64 start = 3; int64 end = 4; }
message LabelValuesResponse { repeated string names = 1; }
message Point { double value = 1; int64 timestamp = 2; }
message Series { repeated LabelPair labels = 1; repeated Point points = 2; }
`;

const QUERIER = `
syntax = "proto3";
package querier.v1;
message ProfileTypesRequest { int64 start = 1; int64 end = 2; }
message ProfileTypesResponse { repeated types.v1.ProfileType profile_types = 1; }
message SeriesRequest { repeated string matchers = 1; repeated string label_names = 2; int64 start = 3; int64 end = 4; }
message SeriesResponse { repeated types.v1.Labels labels_set = 2; }
message SelectMergeStacktracesRequest { string profile_typeID = 1; string label_selector = 2; int64 start = 3; int64 end = 4; optional int64 max_nodes = 5; int32 format = 6; }
message Level { repeated int64 values = 1; }
message FlameGraph { repeated string names = 1; repeated Level levels = 2; int64 total = 3; int64 max_self = 4; }
message FlameGraphDiff { repeated string names = 1; repeated Level levels = 2; int64 total = 3; int64 max_self = 4; int64 leftTicks = 5; int64 rightTicks = 6; }
message SelectMergeStacktracesResponse { FlameGraph flamegraph = 1; }
message SelectMergeProfileRequest { string profile_typeID = 1; string label_selector = 2; int64 start = 3; int64 end = 4; optional int64 max_nodes = 5; }
message SelectSeriesRequest { string profile_typeID = 1; string label_selector = 2; int64 start = 3; int64 end = 4; repeated string group_by = 5; double step = 6; optional int32 aggregation = 7; optional int64 limit = 9; }
message SelectSeriesResponse { repeated types.v1.Series series = 1; }
message DiffRequest { SelectMergeStacktracesRequest left = 1; SelectMergeStacktracesRequest right = 2; }
message DiffResponse { FlameGraphDiff flamegraph = 1; }
`;

/** `keepCase` false gives protobufjs' lowerCamel field names, as a server-side schema may be loaded. */
export function buildRoot(keepCase: boolean): protobuf.Root {
  const root = new protobuf.Root();
  protobuf.parse(PROTO, root, { keepCase });
  protobuf.parse(QUERIER, root, { keepCase });
  protobuf.parse(PPROF, root, { keepCase });
  root.resolveAll();
  return root;
}

const PPROF = `
syntax = "proto3";
package google.v1;
message ValueType { int64 type = 1; int64 unit = 2; }
message Label { int64 key = 1; int64 str = 2; int64 num = 3; int64 num_unit = 4; }
message Sample { repeated uint64 location_id = 1; repeated int64 value = 2; repeated Label label = 3; }
message Mapping { uint64 id = 1; uint64 memory_start = 2; uint64 memory_limit = 3; uint64 file_offset = 4; int64 filename = 5; int64 build_id = 6;
  bool has_functions = 7; bool has_filenames = 8; bool has_line_numbers = 9; bool has_inline_frames = 10; }
message Line { uint64 function_id = 1; int64 line = 2; }
message Location { uint64 id = 1; uint64 mapping_id = 2; uint64 address = 3; repeated Line line = 4; bool is_folded = 5; }
message Function { uint64 id = 1; int64 name = 2; int64 system_name = 3; int64 filename = 4; int64 start_line = 5; }
message Profile { repeated ValueType sample_type = 1; repeated Sample sample = 2; repeated Mapping mapping = 3; repeated Location location = 4;
  repeated Function function = 5; repeated string string_table = 6; int64 drop_frames = 7; int64 keep_frames = 8; int64 time_nanos = 9;
  int64 duration_nanos = 10; ValueType period_type = 11; int64 period = 12; repeated int64 comment = 13; int64 default_sample_type = 14; }
`;

export const clientRoot = buildRoot(true);

export const clientType = (name: string) => clientRoot.lookupType(name);
