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
        // Philox4x32-10 blocks in C: eight counters in AVX2 lanes when the CPU has them (chosen at run time).
        .target(name: "CPhilox"),
        .target(
            name: "HeadFlow",
            dependencies: ["CGSL", "CPhilox", .product(name: "RealModule", package: "swift-numerics")]
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
                "HeadFlow",
                "headflow",
                "CPhilox",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
