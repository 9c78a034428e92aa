import Foundation
import HavenAPI
import Testing

@testable import HavenServer

@Suite("Search pages written without JSONEncoder")
struct SearchPageJSONTests {
    /// What the generated server would have sent for the same value, `next_cursor: null`
    /// included (`ListCursorMiddleware`).
    static func reference(_ list: Components.Schemas.SearchResultList) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(list))
        return ListEnvelope.addingNullCursor(to: bytes) ?? bytes
    }

    static func result(
        name: String, distance: Double?, score: Double, everyOptional: Bool
    ) -> Components.Schemas.SearchResult {
        Components.Schemas.SearchResult(
            serviceId: "0b5e1c52-8f4e-4a47-9a8c-0f6f1d8e2a01", name: name,
            organizationId: "6d1f0c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5", organizationName: "Lakeview Family Services",
            status: "active", url: everyOptional ? "https://example.org/help/counseling?lang=es" : nil,
            phone: everyOptional ? "+1 312 555 0100" : nil, distanceKm: distance,
            reachesBy: distance == nil ? "national" : nil,
            location: everyOptional
                ? .init(
                    id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", name: "Lakeview office",
                    address: "100 Main St, Chicago, IL 60614", approximate: false)
                : (distance == nil ? nil : .init(id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", approximate: true)),
            open: everyOptional ? .init(isOpen: true, alwaysOpen: false, closesAt: "17:00") : nil,
            needs: ["mental-health.counseling", "legal"], languages: everyOptional ? ["en", "es"] : [],
            minimumAge: everyOptional ? 12 : nil, maximumAge: everyOptional ? 17 : nil, stale: !everyOptional,
            match: .init(
                score: score, reasons: ["meets 1 of 2 needs: counseling", "3.4 km away"],
                unmetNeeds: everyOptional ? [] : ["legal"]))
    }

    @Test("a page is byte for byte what JSONEncoder writes, whichever fields are present")
    func sameBytesAsJSONEncoder() throws {
        let lists: [Components.Schemas.SearchResultList] = [
            .init(data: [], nextCursor: nil),
            .init(
                data: [
                    Self.result(name: "Near counseling", distance: 3.4, score: 0.8342, everyOptional: true),
                    Self.result(name: "National line", distance: nil, score: 1, everyOptional: false),
                    Self.result(name: "Far counseling", distance: 0, score: 0.5, everyOptional: false),
                ], nextCursor: "eyJ2YWx1ZXMiOlsiMC41IiwiMzAiXX0"),
        ]
        for list in lists {
            #expect(try SearchPageJSON.encode(list) == Self.reference(list))
        }
    }

    @Test("ids are written lowercase in PostgreSQL's form, as Foundation would write them")
    func ids() {
        let ids = [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))] + (0..<200).map { _ in UUID() }
        for id in ids { #expect(id.apiString == id.uuidString.lowercased()) }
    }

    @Test("strings and numbers are spelled as JSONEncoder spells them")
    func spelling() throws {
        var awkward = ""
        for scalar in 0..<0x80 { awkward.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        awkward += "Niños y familias — ayuda 24/7 😀 \u{2028}\u{2029}\u{FEFF}"
        let numbers: [Double] = [
            0, -0.0, 1, 3.4, 0.675, 1e-5, 1.5e-7, 123_456_789_012, 1e16, 2.5e20, 0.1 + 0.2, 12.345_678_9, 5e-324,
            -17.25,
        ]
        for number in numbers {
            let list = Components.Schemas.SearchResultList(
                data: [Self.result(name: awkward, distance: number, score: number, everyOptional: true)],
                nextCursor: awkward)
            #expect(try SearchPageJSON.encode(list) == Self.reference(list), "\(number)")
        }
        let infinite = Components.Schemas.SearchResultList(
            data: [Self.result(name: "x", distance: .infinity, score: 1, everyOptional: true)], nextCursor: nil)
        #expect(throws: SearchPageJSON.NotANumber.self) { try SearchPageJSON.encode(infinite) }
    }

    @Test("the query string is read as the generated server reads it, or left to it")
    func queryStrings() throws {
        let read = try #require(
            SearchParameters(
                queryOf:
                    "/v1/search/services?zip=60614&needs=legal&needs=mental-health&q=legal+aid%20now&limit=5&unknown=1"
            ))
        #expect(read.zip == "60614")
        #expect(read.needs == ["legal", "mental-health"])
        #expect(read.text == "legal aid now")
        #expect(read.limit == 5)
        #expect(read.cursor == nil && read.language == nil)

        let plus = try #require(SearchParameters(queryOf: "/v1/search/services?zip=60614&q=a%2Bb"))
        #expect(plus.text == "a+b", "an escaped plus stays a plus")

        for unusual in [
            "/v1/search/services?zip=60614&limit=ten", "/v1/search/services?zip=60614&zip=60615",
            "/v1/search/services?zip=60614&open_now", "/v1/search/services?zip=60614&q=%E2%28",
            "/v1/search/services?zip=", "/v1/search/services?zi%70=60614",
        ] {
            #expect(SearchParameters(queryOf: unusual) == nil, "\(unusual)")
        }
    }

    @Test("only a plain Accept is answered without negotiation")
    func accept() {
        #expect(SearchPageMiddleware.acceptsJSON([]))
        #expect(SearchPageMiddleware.acceptsJSON(["application/json"]))
        #expect(SearchPageMiddleware.acceptsJSON(["text/html, */*"]))
        #expect(!SearchPageMiddleware.acceptsJSON(["application/json;q=0"]))
        #expect(!SearchPageMiddleware.acceptsJSON(["text/html"]))
    }
}
