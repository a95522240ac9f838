using Xunit;

// Every spec class without a [Collection] runs in one collection, one after another: they share
// libtorch's global generator and thread count, the console and the process's memory figures.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]

namespace XnorSpec.Spec.Support;

/// <summary>
/// The second lane: specs whose work happens in child processes of the real program (signals, a
/// killed write, replays across processes, a diverging run). The test process only starts them,
/// waits and reads the files they leave, touching no tensors, so this collection runs beside the
/// in-process one (xunit.runner.json: two collections at a time) and the children's start-up
/// (about 1 s each: .NET, libtorch) overlaps the in-process specs.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SeparateProcesses
{
    public const string Name = "Separate processes";
}
