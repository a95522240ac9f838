using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// Claim: `reproduce`, `bench` and `heads --run` hold a lock on their output folder (or file) for the
/// whole run. A second run on the same output is refused before it trains, exit code 2, naming the
/// output and the process that holds it; the first run's files are its own. A lock left by a killed
/// run (SIGKILL) never blocks the next one: the kernel drops it with the process.
/// </summary>
[Collection(SeparateProcesses.Name)]
public sealed class One_writer_per_output(ITestOutputHelper output) : IDisposable
{
    // SmallCnn, 200 steps of about 12 ms per experiment: seconds of training to spare after the first epoch.
    private readonly TemporaryFixtures longRun = new("lock", epochs: 100,
        """{ "head": "Concat", "labels": "SameColour", "encoder": "SmallCnn" }""",
        """{ "head": "Product", "labels": "SameColour", "encoder": "SmallCnn" }""");

    public void Dispose() => longRun.Dispose();

    [Fact]
    public void A_second_reproduce_on_a_folder_in_use_is_refused_before_it_trains_naming_the_folder_and_the_run_that_holds_it()
    {
        var first = CliProcess.Start(longRun.Start(), "reproduce", "--profile", "lock", "--out", longRun.Output);
        int firstId = first.Id;
        CliRun? second = null;
        var firstRun = CliProcess.Finish(first, line =>
        {
            if (second is not null || !IsFirstEpochLine(line)) return;
            // The first run is training: a second one, at another seed, would overwrite its files with its own.
            second = CliProcess.Run(longRun.Start(), "reproduce", "--profile", "lock", "--seed", "2", "--out", longRun.Output);
            CliProcess.Signal(first, CliProcess.SIGTERM);
        });
        output.WriteLine(second?.Errors.Trim());
        output.WriteLine(firstRun.ToString());

        second.Should().NotBeNull("the first run's first epoch must have been printed");
        second!.ExitCode.Should().Be(2, second.ToString());
        second.Errors.Should().Contain(longRun.Output).And.Contain($"process {firstId} (").And.Contain("reproduce --profile lock");
        second.Output.Should().NotContain("epoch", "it is refused before it trains");
        firstRun.ExitCode.Should().Be(1, "the first run goes on until SIGTERM stops it");
        ResultsFile.Load(Path.Combine(longRun.Output, "results.json")).Seed.Should().Be(1, "results.json is the first run's alone");
    }

    [Fact]
    public void A_lock_left_by_a_killed_run_does_not_block_the_next_run_on_the_folder()
    {
        var killed = CliProcess.Start(longRun.Start(), "reproduce", "--profile", "lock", "--out", longRun.Output);
        var killedRun = CliProcess.Finish(killed, line =>
        {
            if (IsFirstEpochLine(line)) CliProcess.Signal(killed, CliProcess.SIGKILL);
        });
        killedRun.ExitCode.Should().Be(128 + CliProcess.SIGKILL, killedRun.ToString());
        // What it left: the lock file and its record of a process that is gone.
        File.Exists(Path.Combine(longRun.Output, ".xnor-spec.lock.owner")).Should().BeTrue("SIGKILL leaves no chance to tidy up");

        using var quick = new TemporaryFixtures("next", epochs: 2,
            """{ "head": "Concat", "labels": "SameColour", "encoder": "SmallCnn" }""");
        var next = CliProcess.Run(quick.Start(), "reproduce", "--profile", "next", "--out", longRun.Output);
        output.WriteLine(next.ToString());

        next.ExitCode.Should().Be(0, next.ToString());
        ResultsFile.Load(Path.Combine(longRun.Output, "results.json")).Complete.Should().BeTrue();
        File.Exists(Path.Combine(longRun.Output, ".xnor-spec.lock.owner")).Should().BeFalse("a run that ends lets go of its record with the lock");
    }

    [Theory]
    [InlineData("bench")]
    [InlineData("heads --run")]
    public void Bench_and_heads_run_refuse_an_output_another_process_holds_before_they_measure_or_train(string command)
    {
        // The holder is this test process, through the same lock the program takes.
        var folder = Path.Combine(longRun.Directory, "held");
        var csv = Path.Combine(folder, "heads.csv");
        bool bench = command == "bench";
        using var held = bench ? OutputLock.OnFolder(folder) : OutputLock.OnFile(csv);
        var run = bench
            ? CliProcess.Run(new CliStart(Program: CliProcess.Tools), "bench", "--short", "--out", folder)
            : CliProcess.Run(longRun.Start(), "heads", "--run", "--profile", "lock", "--seeds", "1", "--csv", csv);
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(2, run.ToString());
        run.Errors.Should().Contain(bench ? folder : csv).And.Contain($"process {Environment.ProcessId} (");
        run.Output.Should().NotContain("sgemm").And.NotContain("epoch", "nothing is measured or trained");
        File.Exists(csv).Should().BeFalse("heads --run writes no runs file it does not hold");
    }

    [Fact]
    public void An_output_let_go_can_be_taken_again_and_its_holder_record_goes_with_the_lock()
    {
        var folder = Path.Combine(longRun.Directory, "taken-twice");
        using (OutputLock.OnFolder(folder))
        {
            File.ReadAllText(Path.Combine(folder, ".xnor-spec.lock.owner")).Should().StartWith($"{Environment.ProcessId}\n");
            // Another open of the lock file is another holder, even in this process.
            var again = () => OutputLock.OnFolder(folder);
            again.Should().Throw<OutputInUseException>().Which.Message.Should().Contain(folder).And.Contain($"process {Environment.ProcessId} (");
        }
        File.Exists(Path.Combine(folder, ".xnor-spec.lock.owner")).Should().BeFalse();
        using var retaken = OutputLock.OnFolder(folder);
    }

    // The holder's record lives inside the lock's lifetime: written only once the lock is taken (a run that
    // finds the output held never overwrites the holder's record) and removed before the lock is let go (a
    // run that lets go never removes the next holder's record). Either way round, a later run would be
    // refused without being told who holds the output.

    [Fact]
    public void A_run_refused_an_output_leaves_the_holder_s_record_as_it_was_and_names_that_holder()
    {
        var folder = Path.Combine(longRun.Directory, "held-by-a-stand-in");
        Directory.CreateDirectory(folder);
        string lockFile = Path.Combine(folder, ".xnor-spec.lock"), record = lockFile + ".owner";
        // A holder that is not an OutputLock: the lock file opened as OutputLock opens it, and a record of its own.
        using var holder = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var holders = $"{Environment.ProcessId}\nthe spec's stand-in holder\n";
        File.WriteAllText(record, holders);

        var refused = () => OutputLock.OnFolder(folder);

        refused.Should().Throw<OutputInUseException>().Which.Message.Should().Contain($"process {Environment.ProcessId} (the spec's stand-in holder)");
        File.ReadAllText(record).Should().Be(holders, "a run that could not take the lock writes no record");
    }

    [Fact]
    public void A_run_that_takes_an_output_the_moment_its_holder_lets_go_keeps_its_record_so_a_third_run_is_told_who_holds_it()
    {
        var folder = Path.Combine(longRun.Directory, "handed-over");
        var record = Path.Combine(folder, ".xnor-spec.lock.owner");
        OutputLock? next = null;
        bool tried = false;
        // At the moment the first holder removes its record, a second run tries to take the output (this process
        // stands for it: another open of the lock file is another holder). The lock must still be held then.
        OutputLock.RemovingRecord = path =>
        {
            if (path != record) return; // another spec's lock
            tried = true;
            try { next = OutputLock.OnFolder(folder); }
            catch (OutputInUseException) { }
        };
        try
        {
            OutputLock.OnFolder(folder).Dispose();
        }
        finally
        {
            OutputLock.RemovingRecord = null;
        }
        tried.Should().BeTrue("the first holder removes its record when it lets go");
        using var second = next ?? OutputLock.OnFolder(folder);

        File.Exists(record).Should().BeTrue("the second holder's record stays while it holds the output");
        var third = () => OutputLock.OnFolder(folder);
        third.Should().Throw<OutputInUseException>().Which.Message.Should().Contain($"process {Environment.ProcessId} (");
    }

    private static bool IsFirstEpochLine(string line) => line.TrimStart().StartsWith("epoch 1/");
}
