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
        guard var bytes = try next(.bool), let byte = bytes.readInteger(as: UInt8.self) else {
            throw Self.malformed(.bool)
        }
        return byte != 0
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
        guard var bytes = try next(.textArray) else { return [] }
        guard let dimensions = bytes.readInteger(as: Int32.self), bytes.readInteger(as: Int32.self) != nil,
            bytes.readInteger(as: UInt32.self) != nil
        else { throw Self.malformed(.textArray) }
        if dimensions == 0 { return [] }
        guard dimensions == 1, let count = bytes.readInteger(as: Int32.self), count >= 0,
            bytes.readInteger(as: Int32.self) != nil
        else { throw Self.malformed(.textArray) }
        var values: [String] = []
        values.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = bytes.readInteger(as: Int32.self), length >= 0,
                let value = bytes.readString(length: Int(length))
            else { throw Self.malformed(.textArray) }
            values.append(value)
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
