import Foundation
import NIOCore
import PostgresNIO

/// Reads a row's columns in order, straight from PostgreSQL's binary forms.
///
/// For the hot rows only: search reads about a hundred candidate rows of fifteen columns per
/// request, and PostgresNIO's generic `decode` looked up generic metadata for every cell, a tenth
/// of the server's time on a search. Each read checks the column's type, so a statement that
/// changes shape fails loudly instead of misreading bytes.
struct BinaryRowReader {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) {
        cells = row.makeIterator()
    }

    mutating func uuid() throws -> UUID {
        try required(optionalUUID())
    }

    mutating func optionalUUID() throws -> UUID? {
        guard let bytes = try next(.uuid) else { return nil }
        guard bytes.readableBytes == 16 else { throw Self.malformed(.uuid) }
        return bytes.withUnsafeReadableBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }

    mutating func text() throws -> String {
        try required(optionalText())
    }

    mutating func optionalText() throws -> String? {
        guard var bytes = try next(.text) else { return nil }
        return bytes.readString(length: bytes.readableBytes)
    }

    mutating func bool() throws -> Bool {
        try required(optionalBool())
    }

    mutating func optionalDouble() throws -> Double? {
        guard var bytes = try next(.float8) else { return nil }
        guard let bits = bytes.readInteger(as: UInt64.self) else { throw Self.malformed(.float8) }
        return Double(bitPattern: bits)
    }

    mutating func optionalInt32() throws -> Int? {
        guard var bytes = try next(.int4) else { return nil }
        guard let value = bytes.readInteger(as: Int32.self) else { throw Self.malformed(.int4) }
        return Int(value)
    }

    mutating func optionalInt64() throws -> Int64? {
        guard var bytes = try next(.int8) else { return nil }
        guard let value = bytes.readInteger(as: Int64.self) else { throw Self.malformed(.int8) }
        return value
    }

    /// A one-dimensional `text[]` without NULL elements (what `array_agg` and array literals of
    /// codes give); NULL reads as empty.
    mutating func textArray() throws -> [String] {
        try textArrayWithNulls().map { try required($0) }
    }

    mutating func optionalBool() throws -> Bool? {
        guard var bytes = try next(.bool) else { return nil }
        guard let byte = bytes.readInteger(as: UInt8.self) else { throw Self.malformed(.bool) }
        return byte != 0
    }

    /// A `timestamptz`: microseconds since 2000-01-01 UTC.
    mutating func optionalDate() throws -> Date? {
        guard var bytes = try next(.timestamptz) else { return nil }
        guard let microseconds = bytes.readInteger(as: Int64.self) else { throw Self.malformed(.timestamptz) }
        return Date(timeIntervalSinceReferenceDate: Self.postgresEpoch + Double(microseconds) / 1_000_000)
    }

    /// 2000-01-01 00:00 UTC, from Foundation's reference date (2001-01-01).
    private static let postgresEpoch: TimeInterval = -31_622_400

    // One-dimensional arrays of fixed or variable width, NULL elements kept in place; a NULL
    // array reads as empty (what `array_agg` gives over no rows).

    mutating func uuidArray() throws -> [UUID?] {
        try array(.uuidArray, element: .uuid) { bytes in
            guard bytes.readableBytes == 16 else { return nil }
            return bytes.withUnsafeReadableBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
        }
    }

    mutating func doubleArray() throws -> [Double?] {
        try array(.float8Array, element: .float8) { bytes in
            bytes.readInteger(as: UInt64.self).map { Double(bitPattern: $0) }
        }
    }

    mutating func boolArray() throws -> [Bool?] {
        try array(.boolArray, element: .bool) { bytes in bytes.readInteger(as: UInt8.self).map { $0 != 0 } }
    }

    mutating func int64Array() throws -> [Int64?] {
        try array(.int8Array, element: .int8) { bytes in bytes.readInteger(as: Int64.self) }
    }

    mutating func textArrayWithNulls() throws -> [String?] {
        try array(.textArray, element: .text) { bytes in bytes.readString(length: bytes.readableBytes) }
    }

    private mutating func array<Element>(
        _ type: PostgresDataType, element: PostgresDataType, _ read: (inout ByteBuffer) -> Element?
    ) throws -> [Element?] {
        guard var bytes = try next(type) else { return [] }
        guard let dimensions = bytes.readInteger(as: Int32.self), bytes.readInteger(as: Int32.self) != nil,
            let elementType = bytes.readInteger(as: UInt32.self)
        else { throw Self.malformed(type) }
        if dimensions == 0 { return [] }
        guard dimensions == 1, elementType == element.rawValue, let count = bytes.readInteger(as: Int32.self),
            count >= 0, bytes.readInteger(as: Int32.self) != nil
        else { throw Self.malformed(type) }
        var values: [Element?] = []
        values.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = bytes.readInteger(as: Int32.self) else { throw Self.malformed(type) }
            if length < 0 {
                values.append(nil)
                continue
            }
            guard var value = bytes.readSlice(length: Int(length)), let read = read(&value) else {
                throw Self.malformed(type)
            }
            values.append(read)
        }
        return values
    }

    /// The next cell's bytes, nil for NULL.
    private mutating func next(_ type: PostgresDataType) throws -> ByteBuffer? {
        guard let cell = cells.next() else { throw StorageError.unexpectedValue("a column past the row's end") }
        guard cell.format == .binary, cell.dataType == type else {
            throw StorageError.unexpectedValue("\(cell.columnName): \(cell.dataType), expected \(type)")
        }
        return cell.bytes
    }

    private func required<Value>(_ value: Value?) throws -> Value {
        guard let value else { throw StorageError.unexpectedValue("NULL in a required column") }
        return value
    }

    private static func malformed(_ type: PostgresDataType) -> StorageError {
        .unexpectedValue("malformed binary \(type)")
    }
}
