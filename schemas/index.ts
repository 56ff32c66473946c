/**
 * Hotpath's wire schemas, loaded once at module load with protobufjs from the `.proto` files beside this file:
 * Pyroscope's push.v1 / types.v1 / querier.v1, pprof (google.v1), OTLP profiles (v1development) and Hotpath's own
 * bus message (hotpath.bus.v1). Message types are exported by name; anything else is one `lookupMessage` away.
 *
 * Object shape, the same whichever way a message arrives (binary or JSON):
 * - keys are protobuf's JSON names (lowerCamelCase of the .proto name: `rawProfile`, `profileTypeID`, `ID`,
 *   `leftTicks`); protobufjs names fields exactly so for every field here (schemas.test.ts checks it);
 * - int64 / uint64 / sint64 / fixed64 as decimal strings, enums as their names, bytes as Uint8Array (Buffer);
 * - unset singular fields are absent; repeated and map fields are always present (possibly empty).
 * `encodeMessage` and `toJson` take that shape and are lenient about it: int64 as string, number or bigint, enums as
 * name or number, bytes as Uint8Array or base64.
 *
 * JSON is protobuf's JSON mapping (what Connect's `application/json` carries), through protobufjs' spec-conformant
 * ProtoJSON extension: it prints lowerCamel names, int64 as strings, bytes as base64, enums as names, and omits
 * implicit-presence fields holding their default; it parses lowerCamel or original field names, int64 as string or
 * number, enums as name or number, standard or URL-safe base64. Unknown JSON fields are ignored, as Pyroscope's
 * Connect handlers do (DiscardUnknown).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { HotpathError } from '../lib/errors.ts';

/** Directory of the .proto files; import paths inside them are relative to it. */
export const SCHEMAS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Every .proto Hotpath loads (imports are followed; listing them all keeps the set explicit). */
export const PROTO_FILES = [
  'types/v1/types.proto',
  'push/v1/push.proto',
  'google/v1/profile.proto',
  'querier/v1/querier.proto',
  'opentelemetry/proto/common/v1/common.proto',
  'opentelemetry/proto/resource/v1/resource.proto',
  'opentelemetry/proto/profiles/v1development/profiles.proto',
  'opentelemetry/proto/collector/profiles/v1development/profiles_service.proto',
  'hotpath/bus/v1/profile.proto',
] as const;

function loadRoot(): protobuf.Root {
  const r = new protobuf.Root();
  // Imports name files relative to the schemas root (`import "types/v1/types.proto"`), not to the importing file.
  r.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(SCHEMAS_DIR, target));
  r.loadSync([...PROTO_FILES], { keepCase: false });
  r.resolveAll();
  return r;
}

/** The protobufjs root holding every schema. */
export const root: protobuf.Root = loadRoot();

/** A message type by its full protobuf name (`push.v1.PushRequest`); throws naming the missing type. */
export function lookupMessage(fullName: string): protobuf.Type {
  try {
    return root.lookupType(fullName);
  } catch {
    throw new Error(`no message type ${fullName} in Hotpath's schemas (${SCHEMAS_DIR})`);
  }
}

/** An enum by its full protobuf name. */
export function lookupEnumType(fullName: string): protobuf.Enum {
  try {
    return root.lookupEnum(fullName);
  } catch {
    throw new Error(`no enum ${fullName} in Hotpath's schemas (${SCHEMAS_DIR})`);
  }
}

// ---- push.v1 ----
export const PushRequest = lookupMessage('push.v1.PushRequest');
export const RawProfileSeries = lookupMessage('push.v1.RawProfileSeries');
export const RawSample = lookupMessage('push.v1.RawSample');
export const PushResponse = lookupMessage('push.v1.PushResponse');

// ---- types.v1 ----
export const LabelPair = lookupMessage('types.v1.LabelPair');
export const Labels = lookupMessage('types.v1.Labels');
export const ProfileAnnotation = lookupMessage('types.v1.ProfileAnnotation');
export const ProfileType = lookupMessage('types.v1.ProfileType');
export const Series = lookupMessage('types.v1.Series');
export const Point = lookupMessage('types.v1.Point');
export const StackTraceSelector = lookupMessage('types.v1.StackTraceSelector');
export const GoPGO = lookupMessage('types.v1.GoPGO');
export const LabelNamesRequest = lookupMessage('types.v1.LabelNamesRequest');
export const LabelNamesResponse = lookupMessage('types.v1.LabelNamesResponse');
export const LabelValuesRequest = lookupMessage('types.v1.LabelValuesRequest');
export const LabelValuesResponse = lookupMessage('types.v1.LabelValuesResponse');
export const GetProfileStatsRequest = lookupMessage('types.v1.GetProfileStatsRequest');
export const GetProfileStatsResponse = lookupMessage('types.v1.GetProfileStatsResponse');
export const TimeSeriesAggregationType = lookupEnumType('types.v1.TimeSeriesAggregationType');
export const ExemplarType = lookupEnumType('types.v1.ExemplarType');

// ---- querier.v1 ----
export const ProfileTypesRequest = lookupMessage('querier.v1.ProfileTypesRequest');
export const ProfileTypesResponse = lookupMessage('querier.v1.ProfileTypesResponse');
export const SeriesRequest = lookupMessage('querier.v1.SeriesRequest');
export const SeriesResponse = lookupMessage('querier.v1.SeriesResponse');
export const SelectMergeStacktracesRequest = lookupMessage('querier.v1.SelectMergeStacktracesRequest');
export const SelectMergeStacktracesResponse = lookupMessage('querier.v1.SelectMergeStacktracesResponse');
export const SelectMergeSpanProfileRequest = lookupMessage('querier.v1.SelectMergeSpanProfileRequest');
export const SelectMergeSpanProfileResponse = lookupMessage('querier.v1.SelectMergeSpanProfileResponse');
export const SelectMergeProfileRequest = lookupMessage('querier.v1.SelectMergeProfileRequest');
export const SelectSeriesRequest = lookupMessage('querier.v1.SelectSeriesRequest');
export const SelectSeriesResponse = lookupMessage('querier.v1.SelectSeriesResponse');
export const DiffRequest = lookupMessage('querier.v1.DiffRequest');
export const DiffResponse = lookupMessage('querier.v1.DiffResponse');
export const FlameGraph = lookupMessage('querier.v1.FlameGraph');
export const FlameGraphDiff = lookupMessage('querier.v1.FlameGraphDiff');
export const Level = lookupMessage('querier.v1.Level');
export const ProfileFormat = lookupEnumType('querier.v1.ProfileFormat');

// ---- google.v1 (pprof) ----
/** `google.v1.Profile`: the pprof message (SelectMergeProfile's answer, the inside of RawSample.raw_profile). */
export const PprofProfile = lookupMessage('google.v1.Profile');

// ---- OTLP profiles (v1development) ----
export const ExportProfilesServiceRequest = lookupMessage('opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest');
export const ExportProfilesServiceResponse = lookupMessage('opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse');
export const OtlpProfilesDictionary = lookupMessage('opentelemetry.proto.profiles.v1development.ProfilesDictionary');
export const OtlpProfile = lookupMessage('opentelemetry.proto.profiles.v1development.Profile');

// ---- hotpath.bus.v1 ----
/** The bus message for one normalized profile; lib/bus/envelope.ts is its fast codec. */
export const BusProfile = lookupMessage('hotpath.bus.v1.NormalizedProfile');

/** A message as plain data, in the shape described at the top of this file. */
export type PlainMessage = { [field: string]: unknown };

/** How decoded messages become plain objects. */
const PLAIN: protobuf.IConversionOptions = { longs: String, enums: String, arrays: true, objects: true };

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Binary protobuf → plain object. Throws HotpathError `bad_request` naming the type for bytes it cannot read. */
export function decodeMessage<T = PlainMessage>(type: protobuf.Type, bytes: Uint8Array): T {
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (err) {
    throw new HotpathError('bad_request', `cannot decode ${type.fullName.slice(1)} (${bytes.length} bytes): ${reason(err)}`);
  }
  return type.toObject(message, PLAIN) as T;
}

/** Plain object (or protobufjs message) → binary protobuf. Fields the type does not have are ignored. */
export function encodeMessage(type: protobuf.Type, obj: PlainMessage | protobuf.Message): Uint8Array {
  const message = obj instanceof protobuf.Message ? obj : type.fromObject(obj);
  return type.encode(message).finish();
}

/**
 * Protobuf JSON (already parsed, e.g. by JSON.parse) → plain object. Throws HotpathError `bad_request` naming the
 * type and the offending field for JSON that is not a valid message of the type.
 */
export function fromJson<T = PlainMessage>(type: protobuf.Type, json: unknown): T {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new HotpathError('bad_request', `${type.fullName.slice(1)} JSON must be an object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
  }
  let message: protobuf.Message;
  try {
    message = protojson.fromJson(type, json, { ignoreUnknownFields: true });
  } catch (err) {
    // protojson names the field by its full path (`.querier.v1.SelectSeriesRequest.step: …`): keep the part after the type.
    const detail = reason(err).split(`${type.fullName}.`).join('').replace(/^\./, '');
    throw new HotpathError('bad_request', `invalid ${type.fullName.slice(1)} JSON: ${detail}`);
  }
  return type.toObject(message, PLAIN) as T;
}

/** Protobuf JSON text → plain object (`fromJson` after JSON.parse, with the same errors). */
export function fromJsonString<T = PlainMessage>(type: protobuf.Type, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HotpathError('bad_request', `${type.fullName.slice(1)} body is not valid JSON: ${reason(err)}`);
  }
  return fromJson<T>(type, json);
}

/** Plain object (or protobufjs message) → protobuf JSON value (ready for JSON.stringify). */
export function toJson(type: protobuf.Type, obj: PlainMessage | protobuf.Message): { [field: string]: unknown } {
  const message = obj instanceof protobuf.Message ? obj : type.fromObject(obj);
  return protojson.toJson(type, message) as { [field: string]: unknown };
}

/** Plain object (or protobufjs message) → protobuf JSON text. */
export function toJsonString(type: protobuf.Type, obj: PlainMessage | protobuf.Message): string {
  return JSON.stringify(toJson(type, obj));
}
