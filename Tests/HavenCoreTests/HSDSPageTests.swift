import Foundation
import HavenCore
import Testing

@Suite("HSDS page envelope and query")
struct HSDSPageTests {
    func envelope(total: Int, page: Int, perPage: Int, size: Int) -> HSDSPageEnvelope {
        HSDSPageEnvelope(totalItems: total, page: HSDSPageRequest(number: page, perPage: perPage), size: size)
    }

    @Test("pages count from 1; the last page may be short; past the end is empty and last")
    func arithmetic() {
        let first = envelope(total: 101, page: 1, perPage: 50, size: 50)
        #expect((first.totalPages, first.firstPage, first.lastPage, first.empty) == (3, true, false, false))
        let last = envelope(total: 101, page: 3, perPage: 50, size: 1)
        #expect((last.totalPages, last.firstPage, last.lastPage, last.empty) == (3, false, true, false))
        let exact = envelope(total: 100, page: 2, perPage: 50, size: 50)
        #expect((exact.totalPages, exact.lastPage) == (2, true))
        let beyond = envelope(total: 100, page: 7, perPage: 50, size: 0)
        #expect((beyond.lastPage, beyond.empty, beyond.size) == (true, true, 0))
        let nothing = envelope(total: 0, page: 1, perPage: 50, size: 0)
        #expect((nothing.totalPages, nothing.firstPage, nothing.lastPage, nothing.empty) == (0, true, true, true))
        #expect(HSDSPageRequest(number: 3, perPage: 20).offset == 40)
    }

    @Test("a query reports every bad parameter at once; good ones become a filter")
    func validation() throws {
        var bad = HSDSQueryInput()
        (bad.page, bad.perPage, bad.taxonomyID, bad.modifiedAfter) = (0, 501, "x", "last week")
        (bad.proximity) = ("10")
        guard case .failure(let failure) = bad.validated() else {
            Issue.record("an invalid query passed")
            return
        }
        #expect(
            failure.errors.map(\.pointer) == ["/page", "/per_page", "/taxonomy_id", "/modified_after", "/proximity"])

        var good = HSDSQueryInput()
        (good.search, good.postcode, good.proximity, good.modifiedAfter) = (
            "  food  ", "60614-1234", "2500", "2026-11-01"
        )
        let (page, filter) = try good.validated().get()
        #expect(page == HSDSPageRequest(number: 1, perPage: HSDSPageRequest.defaultPerPage))
        #expect(filter.search == "food")
        #expect(filter.postcode?.digits == "60614")
        #expect(filter.proximityMetres == 2500)
        #expect(filter.modifiedAfter == Date(timeIntervalSince1970: 1_793_491_200))

        var instant = HSDSQueryInput()
        instant.modifiedAfter = "2026-11-01T09:30:00.250Z"
        #expect(try instant.validated().get().1.modifiedAfter == Date(timeIntervalSince1970: 1_793_525_400.25))
        var far = HSDSQueryInput()
        (far.postcode, far.proximity) = ("60614", "500001")
        #expect((try? far.validated().get()) == nil)
    }

    @Test("a page number too large for any list, or a search with a NUL, is refused, not a crash or a 500")
    func hostilePages() throws {
        var huge = HSDSQueryInput()
        (huge.page, huge.search) = (Int.max, "a\u{0}b")
        guard case .failure(let failure) = huge.validated() else {
            Issue.record("an invalid query passed")
            return
        }
        #expect(failure.errors.map(\.pointer) == ["/page", "/search"])
        var last = HSDSQueryInput()
        (last.page, last.perPage) = (HSDSPageRequest.lastPage, HSDSPageRequest.maximumPerPage)
        #expect(try last.validated().get().0.offset == 499_999_500)
    }
}
