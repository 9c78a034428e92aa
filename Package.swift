// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "haven",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "haven", targets: ["HavenCLI"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.9.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.8.0", traits: []),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.25.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // Pure domain: value types and rules, no I/O and no framework imports.
        .target(name: "HavenCore"),

        // PostgreSQL access: repositories, migrations, seeds and the embedded cluster.
        .target(
            name: "HavenStorage",
            dependencies: [
                "HavenCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),

        // The JSON API contract: `openapi.yaml` is the single source of truth.
        .target(
            name: "HavenAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")
            ],
            resources: [.embedInCode("openapi.yaml"), .embedInCode("hsds-profile.md")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),

        // The Hummingbird application: middleware and thin handlers.
        .target(
            name: "HavenServer",
            dependencies: [
                "HavenAPI",
                "HavenCore",
                "HavenStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // The API client behind `haven login`, `whoami` and later client commands: the generated
        // OpenAPI client, the stored login, and one-line errors from problem documents.
        .target(
            name: "HavenClient",
            dependencies: [
                "HavenAPI",
                "HavenCore",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
            ]
        ),

        // The `haven` command: server-side commands and the API client commands.
        .executableTarget(
            name: "HavenCLI",
            dependencies: [
                "HavenClient",
                "HavenServer",
                "HavenStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            // mimalloc instead of glibc's malloc: on a search glibc's allocator took 8.6% of the
            // server's time, mimalloc 5%, and the server used 5–7% less CPU per search (measured
            // in docs/search.md, "The allocator"). The machine running `haven` needs Debian's
            // libmimalloc2.0 (libmimalloc-dev to build).
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]
        ),

        // Starts a throwaway embedded cluster and hands each test its own cloned database.
        .target(
            name: "HavenTestSupport",
            dependencies: [
                "HavenServer",
                "HavenStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),

        .testTarget(name: "HavenCoreTests", dependencies: ["HavenCore"]),
        .testTarget(
            name: "HavenStorageTests",
            dependencies: [
                "HavenStorage",
                "HavenTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "HavenServerTests",
            dependencies: [
                "HavenAPI",
                "HavenClient",
                "HavenServer",
                "HavenStorage",
                "HavenTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            // Read from the source tree by the matrix test: it is a specification, not a resource.
            exclude: ["authz-matrix.json"]
        ),
    ]
)
