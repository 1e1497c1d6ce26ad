import FuzzSupport
import GANNumerics

/// Any bytes given as a run's `config.json` or `state.json`, decoded and validated as the
/// training command does before it allocates anything.
fuzz { bytes in
    if let configuration = try? JSON.decode(TrainingConfiguration.self, from: bytes) {
        try? configuration.validate()
    }
    if let state = try? JSON.decode(RunState.self, from: bytes) {
        try? state.configuration.validate()
    }
}
