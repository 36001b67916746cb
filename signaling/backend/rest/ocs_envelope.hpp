// Nextcloud's OCS envelope around every /ocs/ answer: {"ocs":{"meta":{status, statuscode,
// message},"data":...}} in JSON, or the same tree as <ocs><meta>...</meta><data>...</data></ocs>
// in XML. The one place where an API's outcome becomes a status and a body, so the status rules
// live here only:
//
// - API v2 (/ocs/v2.php/...): the HTTP status is the outcome's (200, 201, 400, 404, ...), and
//   meta.statuscode repeats it.
// - API v1 (/ocs/v1.php/...): success is meta.statuscode 100 in an HTTP 200; a failure keeps its
//   code in meta.statuscode, also in an HTTP 200, except 401 (a login is needed) which stays an
//   HTTP 401 (so clients ask for credentials) with statuscode 997, and 404 which is statuscode
//   998 (Nextcloud's OCS v1 codes).
// - JSON unless the client asks for XML: `format=xml` in the query, or an Accept header naming
//   application/xml or text/xml and not application/json. `format=json` wins over Accept.
//
// The data is JSON text written by the API handlers (api::JsonWriter); for XML it is read back
// (simdjson) and written as elements: object members by name (a name that is no XML name becomes
// <element>), array items as <element>, booleans 1 or empty, null empty.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::sig::backend::rest {

enum class OcsApi : uint8_t { V1, V2 };
enum class OcsFormat : uint8_t { Json, Xml };

/// The format a client asked for: `format` is the query's format parameter ("" when absent),
/// `accept` its Accept header.
OcsFormat ocs_format(std::string_view format, std::string_view accept) noexcept;

/// The HTTP status of an outcome with `status` (Talk's, as for v2).
int ocs_http_status(OcsApi api, int status) noexcept;

/// The body of an outcome: `status` as for v2, `message` for meta.message ("OK" when empty and
/// the status is a success), `data_json` the data as JSON text ("[]" when empty).
std::string ocs_body(OcsApi api, OcsFormat format, int status, std::string_view message,
                     std::string_view data_json);

/// "application/json; charset=utf-8" or "application/xml; charset=utf-8".
std::string_view ocs_content_type(OcsFormat format) noexcept;

/// JSON text as the XML elements of the envelope's data; "" when it is not JSON.
std::string json_to_xml(std::string_view json);

}  // namespace tern::sig::backend::rest
