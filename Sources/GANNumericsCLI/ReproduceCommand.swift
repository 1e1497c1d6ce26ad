import ArgumentParser

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Reproduce an experiment of the paper.",
        subcommands: [])
}
