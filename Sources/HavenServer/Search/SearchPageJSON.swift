import HavenAPI
import HavenCore

/// A page of search results as JSON, written straight into bytes.
///
/// Foundation's `JSONEncoder`, which the generated server uses, spent about 0.4 ms of server CPU
/// on every 20-result page: a fifth of what a whole search cost the server. This writer spends a
/// few microseconds. It writes exactly what `JSONEncoder` writes for the same generated value
/// with the server's options (keys sorted, slashes not escaped, absent optionals left out), and
/// a test holds it to that byte for byte, so clients cannot tell which one answered.
enum SearchPageJSON {
    struct NotANumber: Error {}

    static func encode(_ list: Components.Schemas.SearchResultList) throws -> [UInt8] {
        var json = JSONBytes(capacity: 1024 + list.data.count * 800)
        json.append("{\"data\":[")
        for (index, result) in list.data.enumerated() {
            if index > 0 { json.append(",") }
            try json.write(result)
        }
        json.append("]")
        json.append(",\"next_cursor\":")
        if let cursor = list.nextCursor { json.string(cursor) } else { json.append("null") }
        json.append("}")
        return json.bytes
    }
}

extension JSONBytes {
    /// Keys in byte order, as `JSONEncoder` sorts them.
    fileprivate mutating func write(_ result: Components.Schemas.SearchResult) throws {
        append("{")
        if let distance = result.distanceKm {
            append("\"distance_km\":")
            try number(distance)
            append(",")
        }
        append("\"languages\":")
        strings(result.languages)
        if let location = result.location {
            append(",\"location\":{")
            if let address = location.address {
                append("\"address\":")
                string(address)
                append(",")
            }
            append("\"approximate\":")
            bool(location.approximate)
            append(",\"id\":")
            string(location.id)
            if let name = location.name {
                append(",\"name\":")
                string(name)
            }
            append("}")
        }
        append(",\"match\":{\"reasons\":")
        strings(result.match.reasons)
        append(",\"score\":")
        try number(result.match.score)
        append(",\"unmet_needs\":")
        strings(result.match.unmetNeeds)
        append("}")
        if let maximum = result.maximumAge {
            append(",\"maximum_age\":")
            integer(maximum)
        }
        if let minimum = result.minimumAge {
            append(",\"minimum_age\":")
            integer(minimum)
        }
        append(",\"name\":")
        string(result.name)
        append(",\"needs\":")
        strings(result.needs)
        if let open = result.open {
            append(",\"open\":{\"always_open\":")
            bool(open.alwaysOpen)
            if let closes = open.closesAt {
                append(",\"closes_at\":")
                string(closes)
            }
            append(",\"is_open\":")
            bool(open.isOpen)
            append("}")
        }
        append(",\"organization_id\":")
        string(result.organizationId)
        append(",\"organization_name\":")
        string(result.organizationName)
        if let phone = result.phone {
            append(",\"phone\":")
            string(phone)
        }
        if let reach = result.reachesBy {
            append(",\"reaches_by\":")
            string(reach)
        }
        append(",\"service_id\":")
        string(result.serviceId)
        append(",\"stale\":")
        bool(result.stale)
        append(",\"status\":")
        string(result.status)
        if let url = result.url {
            append(",\"url\":")
            string(url)
        }
        append("}")
    }
}

/// JSON text in the making, with `JSONEncoder`'s spelling of strings and numbers.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func bool(_ value: Bool) {
        value ? append("true") : append("false")
    }

    mutating func integer(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// As `JSONEncoder` writes a `Double`: its shortest round-trip text, without a trailing
    /// `.0`; it refuses infinities and NaN, and so does this.
    mutating func number(_ value: Double) throws {
        guard value.isFinite else { throw SearchPageJSON.NotANumber() }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    mutating func strings(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Quotes, backslashes and control characters escaped; everything else, `/` and non-ASCII
    /// included, as its UTF-8 bytes.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case 0x08: append("\\b")
                case 0x09: append("\\t")
                case 0x0A: append("\\n")
                case 0x0C: append("\\f")
                case 0x0D: append("\\r")
                case ..<0x20:
                    append("\\u00")
                    bytes.append(Hex.digits[Int(byte >> 4)])
                    bytes.append(Hex.digits[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
