/**
 * OTLP ExportProfilesServiceRequest decoded with the schemas' protobufjs types (binary or protobuf JSON) into the
 * plain shape lib/profile/otlp.ts maps (lowerCamel names, 64-bit integers as decimal strings).
 */
import type { OtlpExportRequest } from '../../lib/profile/otlp.ts';
import { decodeMessage, ExportProfilesServiceRequest, fromJson } from '../../schemas/index.ts';

export function decodeOtlpProto(bytes: Uint8Array): OtlpExportRequest {
  return decodeMessage<OtlpExportRequest>(ExportProfilesServiceRequest, bytes);
}

export function decodeOtlpJson(json: unknown): OtlpExportRequest {
  return fromJson<OtlpExportRequest>(ExportProfilesServiceRequest, json);
}
