// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "headflow",
    products: [
        .library(name: "HeadFlow", targets: ["HeadFlow"]),
        .executable(name: "headflow", targets: ["headflow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        // GSL (libgsl + its CBLAS), found with pkg-config; Debian package libgsl-dev.
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        // zlib (inflate, for gzip-compressed image files), found with pkg-config; Debian package zlib1g-dev.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // OpenSSL's libcrypto (SHA-256 of the data files a run records), found with pkg-config; Debian libssl-dev.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Philox4x32-10 blocks in C: eight counters in AVX2 lanes when the CPU has them (chosen at run time).
        .target(name: "CPhilox"),
        // The layers, lowest first. A layer's `dependencies` name only layers below it, so an upward
        // import does not compile (scripts/test builds with --explicit-target-dependency-import-check
        // error, and LayerOrderTests checks this list against the order). README.md, "Layout".
        // Support, the GSL wrappers (the only target that imports CGSL), the OpenBLAS wrapper (BLAS/) and the ODE steppers.
        .target(
            name: "HeadFlowNumerics",
            dependencies: ["CGSL", "CPhilox", .product(name: "RealModule", package: "swift-numerics")]
        ),
        // The data model: features, patches, sampled batches; image files (the only target that imports
        // CZlib and CLibCrypto).
        .target(
            name: "HeadFlowData",
            dependencies: ["HeadFlowNumerics", "CZlib", "CLibCrypto", .product(name: "RealModule", package: "swift-numerics")]
        ),
        // The model's mathematics: network, heads, BN loss (Model) and the population objective (Population).
        .target(
            name: "HeadFlowModel",
            dependencies: ["HeadFlowNumerics", "HeadFlowData", .product(name: "RealModule", package: "swift-numerics")]
        ),
        // Solving it: the population flow (ODE solve, events) and SGD training.
        .target(
            name: "HeadFlowDynamics",
            dependencies: ["HeadFlowNumerics", "HeadFlowData", "HeadFlowModel",
                           .product(name: "RealModule", package: "swift-numerics")]
        ),
        // The paper's claims, each a measurement with a verdict.
        .target(
            name: "HeadFlowClaims",
            dependencies: ["HeadFlowNumerics", "HeadFlowData", "HeadFlowModel", "HeadFlowDynamics",
                           .product(name: "RealModule", package: "swift-numerics")]
        ),
        // Parameter sweeps: grids, cells, stores, phase and feature-count tables.
        .target(
            name: "HeadFlowSweeps",
            dependencies: ["HeadFlowNumerics", "HeadFlowData", "HeadFlowModel", "HeadFlowDynamics",
                           .product(name: "RealModule", package: "swift-numerics")]
        ),
        // Reports: text, JSON, CSV and gnuplot figures of runs, trainings, sweeps and claims.
        .target(
            name: "HeadFlowReport",
            dependencies: ["HeadFlowNumerics", "HeadFlowData", "HeadFlowModel", "HeadFlowDynamics", "HeadFlowClaims", "HeadFlowSweeps"]
        ),
        // The library product: re-exports every layer (one file of `@_exported import`s).
        .target(
            name: "HeadFlow",
            dependencies: ["HeadFlowNumerics", "HeadFlowData", "HeadFlowModel", "HeadFlowDynamics",
                           "HeadFlowClaims", "HeadFlowSweeps", "HeadFlowReport"]
        ),
        .executableTarget(
            name: "headflow",
            dependencies: [
                "HeadFlow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "HeadFlowTests",
            dependencies: [
                "HeadFlowNumerics", "HeadFlowData", "HeadFlowModel", "HeadFlowDynamics",
                "HeadFlowClaims", "HeadFlowSweeps", "HeadFlowReport",
                "headflow",
                "CPhilox",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
