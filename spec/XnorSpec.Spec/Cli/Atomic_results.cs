using System.Diagnostics;
using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>Claim: results are written atomically: a process killed mid-write leaves the old file or the new one, never a part.</summary>
[Collection(SeparateProcesses.Name)]
public class Atomic_results(ITestOutputHelper output)
{
    [Fact]
    public void A_process_killed_while_it_rewrites_a_model_leaves_the_previous_model_whole()
    {
        // Every experiment here saves to the same models/concat-samecolour.model (94 MB: two
        // ResNet18s, flushed to disk; each experiment is one training step), so from the second
        // experiment on each save replaces a finished file. The spec watches for that save's
        // temporary file and kills the process with SIGKILL, which nothing can catch, while the
        // temporary file is part-written.
        using var fixtures = new TemporaryFixtures("rewrite", epochs: 1,
            Enumerable.Range(1, 6).Select(seed => $$"""{ "head": "Concat", "labels": "SameColour", "pairs": 10, "seed": {{seed}} }""").ToArray());
        var models = Path.Combine(fixtures.Output, "models");
        var model = Path.Combine(models, "concat-samecolour.model");
        var process = CliProcess.Start(fixtures.Start(), "reproduce", "--profile", "rewrite", "--out", fixtures.Output);

        var (temporary, sizeAtKill) = KillDuringARewrite(process, model, models);
        var run = CliProcess.Finish(process);
        output.WriteLine($"killed with {temporary} at {sizeAtKill} bytes\n{run}");

        temporary.Should().NotBeNull("the process must have been caught rewriting the model");
        File.Exists(temporary).Should().BeTrue("the kill landed during the write: its temporary file is left, part-written");
        // The program itself loads the model and predicts with it (this lane's test process touches no tensors).
        var predict = CliProcess.Run("predict", "--model", model, Fixtures.Path("images", "black.png"), Fixtures.Path("images", "white.png"));
        predict.ExitCode.Should().Be(0, $"the model file is the previous one, whole\n{predict}");
        ResultsFile.Load(Path.Combine(fixtures.Output, "results.json")).Experiments.Should().NotBeEmpty();
    }

    /// <summary>Polls until a temporary file for <paramref name="target"/> appears after the target has existed, then kills.</summary>
    private static (string? Temporary, long Size) KillDuringARewrite(Process process, string target, string folder)
    {
        var pattern = $".{Path.GetFileName(target)}.*.tmp";
        var clock = Stopwatch.StartNew();
        bool targetExisted = false;
        while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            targetExisted |= File.Exists(target);
            var temporary = targetExisted ? Directory.GetFiles(folder, pattern).FirstOrDefault() : null;
            if (temporary is not null && SizeOf(temporary) > 0)
            {
                CliProcess.Signal(process, CliProcess.SIGKILL);
                process.WaitForExit();
                return (temporary, SizeOf(temporary));
            }
            Thread.Sleep(1);
        }
        if (!process.HasExited) process.Kill();
        return (null, 0);
    }

    /// <summary>The file's size, or -1 when it has just been renamed away.</summary>
    private static long SizeOf(string path)
    {
        try { return new FileInfo(path).Length; }
        catch (FileNotFoundException) { return -1; }
    }
}
