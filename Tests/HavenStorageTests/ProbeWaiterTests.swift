import Testing

@testable import HavenStorage

/// The listener proves it hears notices by sending itself a probe and waiting for it.
@Suite("Listener probes")
struct ProbeWaiterTests {
    @Test("a probe heard before or after the wait begins counts; another server's does not")
    func heard() async {
        let early = ProbeWaiter()
        early.expect("probe:a")
        early.heard("probe:a")
        #expect(await early.wait())

        let late = ProbeWaiter()
        late.expect("probe:b")
        let waiting = Task { await late.wait() }
        late.heard("probe:other")
        late.heard("probe:b")
        #expect(await waiting.value)
    }

    @Test("a wait ends unheard when the server stops, even before the probe's timer gives up")
    func cancelled() async {
        let probes = ProbeWaiter()
        probes.expect("probe:c")
        let waiting = Task { await probes.wait() }
        waiting.cancel()
        #expect(await waiting.value == false)

        let timedOut = ProbeWaiter()
        timedOut.expect("probe:d")
        let stillWaiting = Task { await timedOut.wait() }
        timedOut.giveUp()
        #expect(await stillWaiting.value == false)
    }
}
