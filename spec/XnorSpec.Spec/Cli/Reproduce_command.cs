using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Spec.Training;
using XnorSpec.Training;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>`xnor-spec reproduce --profile quick`, run once through the program's entry point; the specs below read what it left.</summary>
public sealed class QuickReproduction : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("xnorspec-reproduce-").FullName;
    public CliRun Run { get; }
    public ResultsFile Results { get; }

    public QuickReproduction()
    {
        Run = CliInProcess.Run("reproduce", "--profile", "quick", "--out", Directory);
        Results = ResultsFile.Load(Path.Combine(Directory, "results.json"));
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// Claim: the main command shows the whole story. Its results say, from real training, that the
/// concat head stays at the constant predictor's loss while the product head and the single-image
/// controls learn; its files are complete and agree with each other and with the library.
/// </summary>
public class Reproduce_command(QuickReproduction reproduction, ITestOutputHelper output) : IClassFixture<QuickReproduction>
{
    private ResultsFile Results => reproduction.Results;

    private ExperimentResult Get(FusionKind head, LabelRule labels) =>
        Results.Experiments.Single(e => e.Experiment.Head == head && e.Experiment.Labels == labels);

    [Fact]
    public void Reproduce_quick_runs_the_whole_matrix_and_exits_zero()
    {
        output.WriteLine(reproduction.Run.ToString());
        reproduction.Run.ExitCode.Should().Be(0);
        Results.Complete.Should().BeTrue();
        Results.Profile.Should().Be("quick");
        Results.Device.Should().Be(TestDevice.Current.type.ToString().ToLowerInvariant());
        Results.TorchSharpVersion.Should().Be("0.107.0");
        Results.Experiments.Select(e => e.Name).Should().Equal(Runs.Quick.Experiments.Select(e => e.Name));
        reproduction.Run.Output.Should().Contain("stays near 0.5").And.Contain("learned");
    }

    [Fact]
    public void Its_results_carry_the_claims_concat_stays_at_one_half_while_product_and_controls_learn()
    {
        foreach (var e in Results.Experiments) output.WriteLine($"{e.Name}: final {e.FinalLoss:F4} {e.Verdict}");

        // The library's quick specs' thresholds (Concat_linear_head, Product_head, Single_image_labels).
        var concat = Get(FusionKind.Concat, LabelRule.SameColour);
        concat.EpochLosses.Should().OnlyContain(l => l >= Concat_linear_head.QuickLowestEpochLoss && l <= Concat_linear_head.QuickHighestEpochLoss);
        concat.Verdict.Should().Be("stays near 0.5");
        Get(FusionKind.Product, LabelRule.SameColour).FinalLoss.Should().BeLessThan(Product_head.QuickFinalLoss);
        Get(FusionKind.Product, LabelRule.SameColour).Verdict.Should().Be("learned");
        Get(FusionKind.Concat, LabelRule.FirstIsBlack).FinalLoss.Should().BeLessThan(Single_image_labels.QuickFinalLoss);
        Get(FusionKind.Concat, LabelRule.SecondIsBlack).FinalLoss.Should().BeLessThan(Single_image_labels.QuickFinalLoss);
        Get(FusionKind.Concat, LabelRule.AllZeros).FinalLoss.Should().BeLessThan(Single_image_labels.QuickAllZerosFinalLoss);
    }

    [Fact]
    public void Every_experiment_records_its_steps_epochs_and_eval_mode_predictions_consistently()
    {
        foreach (var e in Results.Experiments)
        {
            e.Completed.Should().BeTrue();
            e.StepLosses.Should().HaveCount(e.Experiment.Epochs * e.StepsPerEpoch);
            e.EpochLosses.Should().HaveCount(e.Experiment.Epochs);
            e.FinalLoss.Should().BeApproximately(e.StepLosses.TakeLast(e.StepsPerEpoch).Average(l => (double)l), 1e-9);
            e.Predictions.Keys.Should().Equal("BB", "BW", "WB", "WW");
            // [0, 1], not (0, 1): float32 sigmoid rounds to exactly 1 beyond a logit of about 17.
            e.Predictions.Values.Should().OnlyContain(p => float.IsFinite(p) && p >= 0 && p <= 1);
            e.Verdict.Should().Be(Verdicts.Describe(new TrainingResult(Runs.Quick.Get(e.Experiment.Head, e.Experiment.Labels),
                e.StepLosses, e.StepsPerEpoch, e.Seconds, true) { Evaluation = new ColourScores(e.Predictions, e.TrainModePredictions) }));
            File.Exists(Path.Combine(reproduction.Directory, e.Model!)).Should().BeTrue();
        }
    }

    [Fact]
    public void Losses_csv_has_one_row_per_step_and_losses_png_is_a_real_image()
    {
        var rows = File.ReadAllLines(Path.Combine(reproduction.Directory, "losses.csv"));
        rows[0].Should().Be("experiment,epoch,step,loss");
        rows.Length.Should().Be(1 + Results.Experiments.Sum(e => e.StepLosses.Count));

        using var image = SkiaSharp.SKBitmap.Decode(Path.Combine(reproduction.Directory, "losses.png"));
        image.Should().NotBeNull();
        (image.Width, image.Height).Should().Be((1000, 560));
        Directory.GetFiles(reproduction.Directory, "*.tmp").Should().BeEmpty();
    }

    [Fact]
    public void The_command_line_and_the_library_train_bit_identically()
    {
        var library = Runs.Of(Runs.Quick, FusionKind.Concat, LabelRule.SameColour);
        Get(FusionKind.Concat, LabelRule.SameColour).StepLosses.Should().Equal(library.StepLosses);
    }

    [Fact]
    public void Predict_with_a_saved_model_gives_the_same_probability_the_run_reported()
    {
        var model = Path.Combine(reproduction.Directory, Get(FusionKind.Product, LabelRule.SameColour).Model!);
        var run = CliInProcess.Run("predict", "--model", model, Fixtures.Path("images", "black.png"), Fixtures.Path("images", "white.png"));
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(0);
        var printed = double.Parse(run.Output.Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
        printed.Should().BeApproximately(Get(FusionKind.Product, LabelRule.SameColour).Predictions["BW"], 5e-7);
    }

    [Fact]
    public void Predict_refuses_an_image_that_is_neither_black_nor_white_unless_asked()
    {
        var model = Path.Combine(reproduction.Directory, Get(FusionKind.Concat, LabelRule.SameColour).Model!);
        var grey = Fixtures.Path("images", "grey.png");

        var refused = CliInProcess.Run("predict", "--model", model, grey, Fixtures.Path("images", "white.png"));
        refused.ExitCode.Should().Be(2);
        refused.Errors.Should().Contain(grey).And.Contain("not solid black or solid white").And.Contain("--any-image");

        CliInProcess.Run("predict", "--model", model, "--any-image", grey, Fixtures.Path("images", "white.png")).ExitCode.Should().Be(0);
    }
}
