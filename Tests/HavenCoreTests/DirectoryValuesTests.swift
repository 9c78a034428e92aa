import HavenCore
import Testing

@Suite("Directory values")
struct DirectoryValuesTests {
    @Test("a ZIP is five digits; ZIP+4 reduces to five; anything else is refused")
    func zipCodes() {
        #expect(ZIPCode("60614")?.digits == "60614")
        #expect(ZIPCode(" 60614-1234 ")?.digits == "60614")
        for bad in ["6061", "606145", "60a14", "60614-12", "", "60614 1234", "٦٠٦١٤"] {
            #expect(ZIPCode(bad) == nil, "\(bad)")
        }
    }

    @Test("taxonomy codes are lowercase words and levels; a parent code covers its descendants")
    func taxonomyCodes() {
        for good in ["safety", "mental-health.trauma-therapy", "immigration.t-visa", "a1.b2.c3"] {
            #expect(TaxonomyCode.isValid(good), "\(good)")
        }
        for bad in ["", "Safety", "mental health", "mental-health.", ".safety", "safety..crisis", "-safety", "safety-"]
        {
            #expect(!TaxonomyCode.isValid(bad), "\(bad)")
        }
        #expect(TaxonomyCode.code("mental-health.trauma-therapy", isWithin: "mental-health"))
        #expect(TaxonomyCode.code("mental-health", isWithin: "mental-health"))
        #expect(!TaxonomyCode.code("mental-healthcare", isWithin: "mental-health"))
    }

    @Test("crisis-channel languages keep codes, interpretation and the source's caveats")
    func channelLanguages() {
        let lifeline = CrisisChannelSource.languages(
            "en;es;+interpretation (phone only; other languages via interpreter service)")
        #expect(lifeline.codes == ["en", "es"])
        #expect(lifeline.interpretation)
        #expect(lifeline.note == "interpretation: phone only; other languages via interpreter service")

        let unverified = CrisisChannelSource.languages("en (other languages not verified)")
        #expect(unverified == .init(codes: ["en"], interpretation: false, note: "other languages not verified"))

        #expect(CrisisChannelSource.languages("en;es") == .init(codes: ["en", "es"], interpretation: false, note: nil))
    }

    @Test("only hours the source states as round-the-clock count as always open")
    func channelHours() {
        for open in ["24/7", "24/7 (online form)", "24/7 (automated)", "Online tool, usable any time"] {
            #expect(CrisisChannelSource.isAlwaysOpen(open), "\(open)")
        }
        for unknown in [
            "NOT 24/7. Hours cut from Jan 2024", "Not verified", "Hours not verified; not confirmed as 24/7", "",
        ] {
            #expect(!CrisisChannelSource.isAlwaysOpen(unknown), "\(unknown)")
        }
    }
}
