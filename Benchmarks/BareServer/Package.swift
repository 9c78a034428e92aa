// swift-tools-version:6.2
import PackageDescription

// The floor under Haven's search figures (Benchmarks/run-search.sh, BARE=1): the same HTTP server
// and PostgreSQL client Haven is built on, answering the candidate statement and nothing else.
// A package of its own so that Haven's build and tests never compile it.
let package = Package(
    name: "bare-server",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0", traits: []),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.25.0"),
    ],
    targets: [
        .executableTarget(
            name: "BareServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            // The allocator `haven` links, so the two differ only in what they do per request.
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]
        )
    ]
)
