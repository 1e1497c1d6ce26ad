// swift-tools-version: 6.0
import PackageDescription

/// Code generation for the numeric modules.
///
/// The matrix products' inner loops (`Sources/CKernels`) are compiled for AVX-512, AVX2 + FMA
/// and the baseline in every build and chosen at run time for the CPU, so even a build for the
/// baseline CPU (below), which runs on any x86-64, multiplies at full speed. The Swift modules'
/// own vector loops are compiled for the
/// host CPU on x86-64 (`-march=native`: wider vectors for the elementwise work, a few percent on
/// a training step), which is what a plain `swift build -c release` does. Results do not depend
/// on the target: Swift never contracts or reorders floating-point operations, and the kernels
/// fuse the same multiply-adds at every level with FMA.
///
/// Set `GANNUMERICS_PORTABLE=1` to compile the Swift modules for the baseline CPU instead (a
/// binary to copy to another machine); other architectures (arm64) always build for their
/// baseline, which already has FMA.
let hostCPUFlags: [String] = {
    #if arch(x86_64)
    if Context.environment["GANNUMERICS_PORTABLE"] == nil {
        return ["-Xcc", "-march=native", "-Xcc", "-mprefer-vector-width=512"]
    }
    #endif
    return []
}()

let hostCPUSettings: [SwiftSetting] = hostCPUFlags.isEmpty ? [] : [.unsafeFlags(hostCPUFlags, .when(configuration: .release))]

/// The tensor kernels and the dense eigensolvers are optimised (for the host CPU) in debug builds
/// too: unoptimised, their generic SIMD loops and matrix subscripts run 50–100x slower and dominate
/// every test that trains a network or scores its samples (two 128×128 Jacobi decompositions per
/// Fréchet distance), while the code above them stays debuggable.
let kernelSettings: [SwiftSetting] = hostCPUSettings + [.unsafeFlags(["-O"] + hostCPUFlags, .when(configuration: .debug))]

/// The C kernels are built optimised in every configuration (like the Swift kernels above),
/// without contraction (each level fuses exactly the multiply-adds it is written to fuse) and
/// without library built-ins (a short copy loop stays a loop, not a call to memcpy).
let cKernelSettings: [CSetting] = [.unsafeFlags(["-O2", "-ffp-contract=off", "-fno-builtin"])]

let numerics = Target.Dependency.product(name: "RealModule", package: "swift-numerics")
let numericsUmbrella = Target.Dependency.product(name: "Numerics", package: "swift-numerics")

let package = Package(
    name: "GANNumerics",
    products: [
        .library(name: "GANNumerics", targets: ["GANNumerics"]),
        .executable(name: "gan-numerics", targets: ["GANNumericsCLI"]),
        .executable(name: "gan-numerics-bench", targets: ["GANNumericsBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        .target(name: "CKernels", cSettings: cKernelSettings),
        .target(name: "Tensors", dependencies: ["CKernels", numerics], swiftSettings: kernelSettings),
        .target(name: "Autodiff", dependencies: ["Tensors"], swiftSettings: hostCPUSettings),
        .target(name: "Layers", dependencies: ["Autodiff"], swiftSettings: hostCPUSettings),
        .target(name: "StepRules", dependencies: ["Tensors"], swiftSettings: hostCPUSettings),
        .target(name: "Games", dependencies: ["Autodiff", "Layers", "StepRules"], swiftSettings: hostCPUSettings),
        .target(name: "Spectral", dependencies: ["Games", numericsUmbrella], swiftSettings: kernelSettings),
        .target(name: "Formats", dependencies: ["Tensors"], swiftSettings: hostCPUSettings),
        // The MNIST test set (LeCun, Cortes & Burges; 10,000 images, IDX, gzip) ships with the
        // package as the default image data set, so image runs need no download.
        .target(name: "Experiments", dependencies: ["Games", "Spectral", "Formats", numericsUmbrella],
                resources: [.copy("Resources/MNIST")], swiftSettings: hostCPUSettings),
        .target(name: "GANNumerics", dependencies: ["Tensors", "Autodiff", "Layers", "StepRules", "Games", "Spectral", "Formats", "Experiments"],
                swiftSettings: hostCPUSettings),
        .executableTarget(
            name: "GANNumericsCLI",
            dependencies: ["GANNumerics", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: hostCPUSettings),
        .executableTarget(
            name: "GANNumericsBench",
            dependencies: ["GANNumerics", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: hostCPUSettings),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"], swiftSettings: hostCPUSettings),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff"], swiftSettings: hostCPUSettings),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Experiments"], swiftSettings: hostCPUSettings),
        .testTarget(name: "GamesTests", dependencies: ["Games", "Spectral", numericsUmbrella], swiftSettings: hostCPUSettings),
        .testTarget(name: "SpectralTests", dependencies: ["Spectral", numericsUmbrella], swiftSettings: hostCPUSettings),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "GANNumericsCLI"], exclude: ["Fixtures"],
                    swiftSettings: hostCPUSettings),
    ]
)
