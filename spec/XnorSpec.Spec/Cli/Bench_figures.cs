using System.Text.Json;
using FluentAssertions;
using XnorSpec.Files;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// Claim: `bench` records its real-image figures in bench.json beside the others: reading Fashion-MNIST
/// (the full dataset where it is found, and the checked-in subset, with how many images each), building
/// pairs at 28x28 (drawing them and turning them into tensors, in pairs per second) and the quick real-image
/// training in pairs per second with its epoch times, threads and page faults a step. Without the full
/// dataset it says so, records null and NaN for it, and still succeeds. Figures only: no speed is asserted.
/// </summary>
public sealed class Bench_figures(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder folder = new("xnorspec-bench-figures-");

    public void Dispose() => folder.Dispose();

    // --real-images-only --short: the subset read, 6400 pairs built, 4 epochs of 20 steps (the first a warm-up), a few seconds.
    private (CliRun Run, JsonElement RealImages, JsonElement Report) Bench(string data)
    {
        var outDir = Path.Combine(folder.Location, Guid.NewGuid().ToString("N"));
        var run = ToolsInProcess.Run("bench", "--real-images-only", "--short", "--data", data, "--out", outDir);
        output.WriteLine(run.ToString());
        run.ExitCode.Should().Be(0, run.ToString());
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bench.json"))).RootElement;
        return (run, report.GetProperty("realImages"), report);
    }

    [Fact]
    public void Bench_profiles_the_steps_of_both_quick_settings_against_the_bare_step()
    {
        // --step-profile-only --short: two rounds of 4 epochs of each setting, trainer and bare step, a few seconds.
        var outDir = Path.Combine(folder.Location, Guid.NewGuid().ToString("N"));
        var run = ToolsInProcess.Run("bench", "--step-profile-only", "--short", "--out", outDir);
        output.WriteLine(run.ToString());
        run.ExitCode.Should().Be(0, run.ToString());
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bench.json"))).RootElement;

        report.GetProperty("mode").GetString().Should().Be("step profile only, short");
        report.GetProperty("sgemmGflops").GetString().Should().Be("NaN", "--step-profile-only measures nothing else");
        var settings = report.GetProperty("stepProfile").EnumerateArray().ToArray();
        settings.Select(s => s.GetProperty("name").GetString()).Should().Equal("quick colours", "quick real images");
        settings.Select(s => s.GetProperty("batchSize").GetInt32()).Should().Equal(10, 32);
        foreach (var setting in settings)
        {
            setting.GetProperty("threads").GetInt32().Should().Be(1, "the trainer runs SmallCnn on one libtorch thread, and the bare step as it");
            setting.GetProperty("rounds").GetInt32().Should().Be(2);
            setting.GetProperty("stepsTimedPerRound").GetInt32().Should().Be(3 * setting.GetProperty("pairsPerEpoch").GetInt32() / setting.GetProperty("batchSize").GetInt32(),
                "three epochs after the warm-up");
            foreach (var (which, phases) in new[] { ("trainer", new[] { "step", "data", "forward", "backward", "optimiser", "rest" }), ("bare", new[] { "step", "forward", "backward", "optimiser", "rest" }) })
            {
                var ms = setting.GetProperty(which + "Ms");
                foreach (var phase in phases) ms.GetProperty(phase).GetDouble().Should().BePositive($"{which} {phase} is measured ({ms})");
            }
            setting.GetProperty("bareMs").GetProperty("data").GetDouble().Should().Be(0, "the bare step's batches are built before the clock starts");
            setting.GetProperty("overheadPercent").ValueKind.Should().Be(JsonValueKind.Number);
        }
        run.Output.Should().Contain("trainer over the bare step");
    }

    private static void PositiveNumber(JsonElement element, string property) =>
        element.GetProperty(property).ValueKind.Should().Be(JsonValueKind.Number, $"{property} is measured ({element})");

    [Fact]
    public void Bench_writes_the_real_image_figures_loading_pair_building_and_training_throughput_to_bench_json()
    {
        // The subset's folder stands in for the full dataset, so the spec does not depend on what this machine has installed.
        var (run, real, report) = Bench(FashionMnistFiles.FixtureFolder);

        report.GetProperty("complete").GetBoolean().Should().BeTrue();
        report.GetProperty("mode").GetString().Should().Be("real images only, short");
        report.GetProperty("sgemmGflops").GetString().Should().Be("NaN", "--real-images-only measures nothing else");

        foreach (var (which, source) in new[] { ("fixture", "the fixtures"), ("fullDataset", "--data") })
        {
            var load = real.GetProperty(which);
            load.GetProperty("found").GetBoolean().Should().BeTrue();
            load.GetProperty("source").GetString().Should().Be(source);
            load.GetProperty("trainImages").GetInt32().Should().Be(3000);
            load.GetProperty("testImages").GetInt32().Should().Be(1000);
            PositiveNumber(load, "seconds");
            load.GetProperty("seconds").GetDouble().Should().BePositive();
        }

        var building = real.GetProperty("pairBuilding").EnumerateArray().ToArray();
        building.Select(b => b.GetProperty("images").GetString()).Should().Equal("fixture", "full");
        foreach (var b in building)
        {
            b.GetProperty("imageSize").GetInt32().Should().Be(28);
            b.GetProperty("pairs").GetInt32().Should().Be(6400);
            foreach (var figure in new[] { "drawPairsPerSecond", "tensorPairsPerSecond", "pairsPerSecond" })
            {
                PositiveNumber(b, figure);
                b.GetProperty(figure).GetDouble().Should().BePositive();
            }
        }

        var training = real.GetProperty("training");
        training.GetProperty("encoder").GetString().Should().Be("SmallCnn");
        training.GetProperty("head").GetString().Should().Be("Product");
        training.GetProperty("batchSize").GetInt32().Should().Be(32);
        training.GetProperty("pairsPerEpoch").GetInt32().Should().Be(640);
        training.GetProperty("threads").GetInt32().Should().Be(1, "the trainer runs SmallCnn on one libtorch thread");
        training.GetProperty("epochsPlanned").GetInt32().Should().Be(4);
        training.GetProperty("epochSeconds").EnumerateArray().Select(e => e.GetDouble()).Should().HaveCount(4).And.OnlyContain(s => s > 0);
        PositiveNumber(training, "pairsPerSecond");
        training.GetProperty("pairsPerSecond").GetDouble().Should().BePositive();
        if (OperatingSystem.IsLinux()) PositiveNumber(training, "pageFaultsPerStep");

        run.Output.Should().Contain("loading the fixture subset: ").And.Contain("building 6400 pairs from the fixture training split")
            .And.MatchRegex(@"training, quick setting \(SmallCnn, Product head, batch 32, 640 pairs an epoch, 4 epochs, the first not timed, 1 thread\(s\)\): \d+ pairs/s");
    }

    [Fact]
    public void Bench_without_the_full_dataset_says_so_records_null_and_NaN_for_it_and_still_succeeds()
    {
        var missing = Path.Combine(folder.Location, "no-fashion-mnist-here");
        var (run, real, report) = Bench(missing);

        report.GetProperty("complete").GetBoolean().Should().BeTrue("a missing dataset is not a failure of the bench");
        var full = real.GetProperty("fullDataset");
        full.GetProperty("found").GetBoolean().Should().BeFalse();
        full.GetProperty("folder").ValueKind.Should().Be(JsonValueKind.Null);
        full.GetProperty("trainImages").ValueKind.Should().Be(JsonValueKind.Null);
        full.GetProperty("seconds").GetString().Should().Be("NaN");
        full.GetProperty("reason").GetString().Should().Contain(missing);
        real.GetProperty("pairBuilding").EnumerateArray().Select(b => b.GetProperty("images").GetString()).Should().Equal("fixture");
        real.GetProperty("training").GetProperty("pairsPerSecond").GetDouble().Should().BePositive("the subset is always there");
        run.Output.Should().Contain("full dataset: not found").And.Contain($"loading the full dataset: n/a ({missing}");
    }
}
