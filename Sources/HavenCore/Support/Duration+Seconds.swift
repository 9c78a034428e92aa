extension Duration {
    /// The duration in seconds, for reports and rates (`12.3 s`, rows per second).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
