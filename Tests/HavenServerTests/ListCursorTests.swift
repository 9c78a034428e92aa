import Foundation
import Testing

@testable import HavenServer

@Suite("Lists say next_cursor: null on their last page")
struct ListCursorTests {
    static func amended(_ json: String) -> String? {
        ListEnvelope.addingNullCursor(to: Array(json.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("the key goes where sorted keys put it, whatever the data holds")
    func placement() {
        #expect(Self.amended(#"{"data":[]}"#) == #"{"data":[],"next_cursor":null}"#)
        #expect(Self.amended(#"{}"#) == #"{"next_cursor":null}"#)
        #expect(Self.amended(" \n{\"data\":[1,2]}") == " \n{\"data\":[1,2],\"next_cursor\":null}")
        // The crisis search's list has keys after it.
        #expect(
            Self.amended(#"{"data":[{"a":1}],"notice":"x","place":{"zip":"60614"}}"#)
                == #"{"data":[{"a":1}],"next_cursor":null,"notice":"x","place":{"zip":"60614"}}"#)
        // Keys, brackets and quotes inside the data are not the list's own.
        let tricky = #"{"data":[{"next_cursor":"x","s":"}]\",{[\\"}],"meta":"a,\"b"}"#
        #expect(
            Self.amended(tricky)
                == #"{"data":[{"next_cursor":"x","s":"}]\",{[\\"}],"meta":"a,\"b","next_cursor":null}"#)
    }

    @Test("a list that has the key, and anything that is not an object, are left alone")
    func leftAlone() {
        #expect(Self.amended(#"{"data":[],"next_cursor":"abc"}"#) == nil)
        #expect(Self.amended(#"{"data":[],"next_cursor":null}"#) == nil)
        #expect(Self.amended(#"[{"data":[]}]"#) == nil)
        #expect(Self.amended(#"{"data":["unfinished"#) == nil)
        #expect(Self.amended("") == nil)
    }

    @Test("the lists are read from the API document")
    func operations() throws {
        let lists = try APIDocument.load().listOperations
        for list in ["listServices", "listUsers", "listNeeds", "searchServices", "searchCrisisContacts", "listAudit"] {
            #expect(lists.contains(list), "\(list)")
        }
        for record in ["getService", "whoami", "createService", "getPaginatedListOfServices"] {
            #expect(!lists.contains(record), "\(record)")
        }
    }
}
