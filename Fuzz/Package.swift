// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets, one per parser of files a user can hand to GANNumerics. Build and run
/// them with `Fuzz/run.sh`, which passes `-sanitize=fuzzer,address`; they are not part of the
/// main package because they only link with those flags (each `main` hands control to
/// libFuzzer's `LLVMFuzzerRunDriver`).
let targets = ["Safetensors", "NumPy", "IDX", "PNG", "Inflate", "Gzip", "Configuration", "TensorBoard"]

let package = Package(
    name: "GANNumericsFuzz",
    dependencies: [.package(name: "GANNumerics", path: "..")],
    targets: [.target(name: "LibFuzzerDriver"), .target(name: "FuzzSupport", dependencies: ["LibFuzzerDriver"])]
        + targets.map { name in
            .executableTarget(name: "Fuzz\(name)",
                              dependencies: [.product(name: "GANNumerics", package: "GANNumerics"), "FuzzSupport"],
                              path: "Sources/Fuzz\(name)")
        }
)
