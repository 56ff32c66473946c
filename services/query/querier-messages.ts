/**
 * The querier.v1 / types.v1 / google.v1 messages as Connect codecs (binary protobuf and protobuf JSON), over the
 * protobufjs types of schemas/. The query routes see plain objects with protobuf JSON's lowerCamel field names
 * (`profileTypeID`, `labelSelector`, `maxNodes`); int64 arrive as decimal strings and may leave as bigint.
 *
 * Protobuf JSON (protobuf.dev "JSON Mapping"): parsers accept the lowerCamel name and the original field name,
 * int64 as string or number, enums as name or number; printers use lowerCamel names and int64 as strings.
 */
import type protobuf from 'protobufjs';
import { Profile } from 'pprof-format';
import type { MessageCodec } from './connect.ts';

export type Msg = Record<string, unknown>;

const lowerCamel = (name: string) => name.replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());

/** Object keys (lowerCamel or original) → the type's own field names; bigint → decimal string for protobufjs. */
function toTypeKeys(type: protobuf.Type, obj: Msg): Msg {
  const out: Msg = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    const field = type.fields[key] ?? type.fieldsArray.find((f) => lowerCamel(f.name) === lowerCamel(key));
    if (!field) continue; // unknown fields are ignored, as Pyroscope's connect-go handlers do (DiscardUnknown)
    const convert = (v: unknown): unknown => {
      if (typeof v === 'bigint') return v.toString();
      if (field.resolvedType && 'fieldsArray' in field.resolvedType && v !== null && typeof v === 'object') {
        return toTypeKeys(field.resolvedType as protobuf.Type, v as Msg);
      }
      return v;
    };
    out[field.name] = Array.isArray(value) ? value.map(convert) : convert(value);
  }
  return out;
}

/** The type's field names → lowerCamel (what the routes read and what protobuf JSON prints). */
function fromTypeKeys(type: protobuf.Type, obj: Msg): Msg {
  const out: Msg = {};
  for (const [key, value] of Object.entries(obj)) {
    const field = type.fields[key];
    const convert = (v: unknown): unknown =>
      field?.resolvedType && 'fieldsArray' in field.resolvedType && v !== null && typeof v === 'object' ? fromTypeKeys(field.resolvedType as protobuf.Type, v as Msg) : v;
    out[lowerCamel(key)] = Array.isArray(value) ? value.map(convert) : convert(value);
  }
  return out;
}

const READ: protobuf.IConversionOptions = { longs: String, enums: String };
const PRINT: protobuf.IConversionOptions = { longs: String, enums: String, json: true };

export function messageCodec(type: protobuf.Type): MessageCodec<Msg> {
  return {
    decode: (bytes) => fromTypeKeys(type, type.toObject(type.decode(bytes), READ)),
    fromJson: (json) => fromTypeKeys(type, type.toObject(type.fromObject(toTypeKeys(type, json as Msg)), READ)),
    encode: (msg) => type.encode(type.fromObject(toTypeKeys(type, msg))).finish(),
    toJson: (msg) => fromTypeKeys(type, type.toObject(type.fromObject(toTypeKeys(type, msg)), PRINT)),
  };
}

/** google.v1.Profile as pprof-format builds it: bytes straight from pprof-format, JSON through the schema. */
export function profileCodec(type: protobuf.Type): MessageCodec<Profile> {
  return {
    decode: (bytes) => Profile.decode(bytes),
    fromJson: (json) => Profile.decode(type.encode(type.fromObject(toTypeKeys(type, json as Msg))).finish()),
    encode: (p) => p.encode(),
    toJson: (p) => fromTypeKeys(type, type.toObject(type.decode(p.encode()), PRINT)),
  };
}

const MESSAGES = {
  ProfileTypesRequest: 'querier.v1.ProfileTypesRequest',
  ProfileTypesResponse: 'querier.v1.ProfileTypesResponse',
  LabelNamesRequest: 'types.v1.LabelNamesRequest',
  LabelNamesResponse: 'types.v1.LabelNamesResponse',
  LabelValuesRequest: 'types.v1.LabelValuesRequest',
  LabelValuesResponse: 'types.v1.LabelValuesResponse',
  SeriesRequest: 'querier.v1.SeriesRequest',
  SeriesResponse: 'querier.v1.SeriesResponse',
  SelectMergeStacktracesRequest: 'querier.v1.SelectMergeStacktracesRequest',
  SelectMergeStacktracesResponse: 'querier.v1.SelectMergeStacktracesResponse',
  SelectMergeProfileRequest: 'querier.v1.SelectMergeProfileRequest',
  SelectSeriesRequest: 'querier.v1.SelectSeriesRequest',
  SelectSeriesResponse: 'querier.v1.SelectSeriesResponse',
  DiffRequest: 'querier.v1.DiffRequest',
  DiffResponse: 'querier.v1.DiffResponse',
} as const;

export type QuerierMessages = { [K in keyof typeof MESSAGES]: MessageCodec<Msg> } & { Profile: MessageCodec<Profile> };

/** Codecs for every message QuerierService uses, looked up by full name in the schemas' protobufjs root. */
export function querierMessages(root: protobuf.Root): QuerierMessages {
  const codecs = Object.fromEntries(Object.entries(MESSAGES).map(([k, name]) => [k, messageCodec(root.lookupType(name))]));
  return { ...(codecs as { [K in keyof typeof MESSAGES]: MessageCodec<Msg> }), Profile: profileCodec(root.lookupType('google.v1.Profile')) };
}
