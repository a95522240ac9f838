using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// `xnor-spec reproduce` on a real-image profile, run once as a real process on a tiny profile of the
/// checked-in Fashion-MNIST subset (two epochs of 64 pairs, all zeros one, 200 held-out pairs): the same experiments as
/// fashion-quick at a fraction of the cost. The specs below read what it left.
/// </summary>
public sealed class TinyRealImageReproduction : IDisposable
{
    public const string Profile = "fashion-tiny";
    public const int HeldOutPairs = 200;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("xnorspec-real-").FullName;
    public string Output => Path.Combine(Directory, "out");
    public CliRun Run { get; }
    public ResultsFile Results { get; }

    public TinyRealImageReproduction()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "profiles"));
        // The subset itself, not a copy: the program reads fixtures/fashion-mnist under the folder it is given.
        System.IO.Directory.CreateSymbolicLink(Path.Combine(Directory, "fashion-mnist"), FashionMnistFiles.FixtureFolder);
        File.WriteAllText(Path.Combine(Directory, "profiles", Profile + ".json"), $$"""
            {
              "description": "The fashion-quick experiments at two epochs of 64 pairs, written by a spec.",
              "settings": { "data": "FashionMnistSubset", "encoder": "SmallCnn", "imageSize": 28, "batchSize": 32, "learningRate": 0.1,
                            "momentum": 0.9, "epochs": 2, "pairs": 64, "heldOutPairs": {{HeldOutPairs}}, "seed": 3 },
              "experiments": [
                { "head": "Concat", "labels": "SameCategory" }, { "head": "Product", "labels": "SameCategory" },
                { "head": "Concat", "labels": "QueryInFirstHalf" }, { "head": "Concat", "labels": "AllZeros", "epochs": 1 }
              ]
            }
            """);
        Run = CliProcess.Run(Start, "reproduce", "--profile", Profile, "--out", Output);
        Results = ResultsFile.Load(Path.Combine(Output, "results.json"));
    }

    public CliStart Start => new(Variables: new Dictionary<string, string> { ["XNORSPEC_FIXTURES"] = Directory, ["XNORSPEC_THREADS"] = "1" });

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// Claim: real images flow through the same command line as solid colours. `reproduce` on a real-image
/// profile prints held-out columns, records heldOut {pairs, mse, accuracy} per experiment (what the saved
/// model scores again), and draws pairs.png; every setting and the dataset are checked before training.
/// </summary>
public class Real_image_command_line(TinyRealImageReproduction reproduction, ITestOutputHelper output) : IClassFixture<TinyRealImageReproduction>
{
    [Fact]
    public void Reproduce_on_a_real_image_profile_prints_held_out_scores_and_records_them_for_every_experiment()
    {
        output.WriteLine(reproduction.Run.ToString());

        reproduction.Run.ExitCode.Should().Be(0);
        reproduction.Run.Output.Should().Contain("held-out MSE").And.Contain("held-out accuracy").And.Contain("pairs.png");
        var results = reproduction.Results;
        results.Complete.Should().BeTrue();
        results.ImageFolder.Should().EndWith("fashion-mnist");
        results.Experiments.Select(e => e.Name).Should().Equal("concat/SameCategory", "product/SameCategory", "concat/QueryInFirstHalf", "concat/AllZeros");
        foreach (var e in results.Experiments)
        {
            e.Experiment.Data.Should().Be(PairData.FashionMnistSubset);
            e.HeldOut.Should().NotBeNull();
            e.HeldOut!.Pairs.Should().Be(TinyRealImageReproduction.HeldOutPairs);
            e.HeldOut.MseAfterEpoch.Should().HaveCount(e.Experiment.Epochs).And.EndWith(e.HeldOut.Mse);
            e.HeldOut.Accuracy.Should().BeInRange(0, 1);
            e.Predictions.Should().BeEmpty("colour predictions mean nothing for a model of real images");
            reproduction.Run.Output.Should().Contain(e.HeldOut.Mse.ToString("F4"), $"the table shows {e.Name}'s held-out MSE");
        }
    }

    [Fact]
    public void The_recorded_held_out_score_is_what_the_saved_model_scores_on_the_same_held_out_pairs()
    {
        var recorded = reproduction.Results.Experiments.Single(e => e.Experiment.Head == FusionKind.Product);
        var (model, experiment) = ModelFile.Load(Path.Combine(reproduction.Output, recorded.Model!));
        using var _ = model;
        var images = FashionFixture.Splits;
        var source = new CategoryPairs(images.Test, experiment.Seed, experiment.HeldOutPairs, experiment.ImageSize, experiment.Labels);

        var again = Trainer.Evaluate(model, source, source.HeldOut(experiment.HeldOutPairs), TorchSharp.torch.CPU);

        output.WriteLine($"recorded {recorded.HeldOut!.Mse:F6} / {recorded.HeldOut.Accuracy:F3}; again {again.Mse:F6} / {again.Accuracy:F3}");
        again.Mse.Should().BeApproximately(recorded.HeldOut.Mse, 1e-6);
        again.Accuracy.Should().Be(recorded.HeldOut.Accuracy);
    }

    [Fact]
    public void Pairs_png_shows_each_held_out_pair_with_every_same_category_models_probability()
    {
        var path = Path.Combine(reproduction.Output, "pairs.png");
        using var image = SkiaSharp.SKBitmap.Decode(path);

        image.Should().NotBeNull("pairs.png must be a PNG");
        var shown = reproduction.Results.Experiments.Where(e => e.Experiment.Labels == LabelRule.SameCategory).ToArray();
        shown.Should().HaveCount(2);
        foreach (var e in shown)
        {
            e.HeldOut!.Examples.Should().HaveCount(FashionMnistSource.ExampleCount);
            e.HeldOut.Examples.Count(x => x.Label == 1f).Should().Be(FashionMnistSource.ExampleCount / 2, "half the pictured pairs are same-category pairs");
            e.HeldOut.Examples.Should().OnlyContain(x => x.Label == (x.QueryCategory == x.TemplateCategory ? 1f : 0f) && x.Output >= 0 && x.Output <= 1);
        }
        shown[1].HeldOut!.Examples.Select(x => (x.Query, x.Template)).Should().Equal(shown[0].HeldOut!.Examples.Select(x => (x.Query, x.Template)), "the rows are the same pairs for every head");
        // One row per pair and one column of bars per model: it grows with both.
        image.Height.Should().BeGreaterThan(FashionMnistSource.ExampleCount * 28 * 3);
        image.Width.Should().BeGreaterThan(2 * 28 * 3 + 120 + 2 * 150, "two images, the answer and a bar per model");
    }

    [Fact]
    public void A_real_image_profile_whose_dataset_is_missing_exits_2_before_training_naming_the_folder_and_both_fixes()
    {
        var nowhere = Path.Combine(reproduction.Directory, "no-dataset-here");
        var outputFolder = Path.Combine(reproduction.Directory, "never-written");
        var start = new CliStart(Variables: new Dictionary<string, string> { [FashionMnistFiles.EnvironmentVariable] = nowhere });

        var run = CliProcess.Run(start, "reproduce", "--profile", "fashion", "--out", outputFolder);

        output.WriteLine(run.ToString());
        run.ExitCode.Should().Be(2);
        run.Errors.Should().Contain(nowhere).And.Contain("apt-get install dataset-fashion-mnist").And.Contain("--data DIR");
        Directory.Exists(outputFolder).Should().BeFalse("nothing is written for a run that cannot start");
    }

    [Theory]
    [InlineData("--data given to a colour profile", "train --profile quick --data /tmp", "--data is for experiments on images read from files")]
    [InlineData("a colour label rule on real images", "train --profile fashion-quick --labels SameColour", "on FashionMnistSubset pairs one of SameCategory, QueryInFirstHalf, AllZeros")]
    [InlineData("a --data folder without the four files", "train --profile fashion-quick --data EMPTY", "train-images-idx3-ubyte.gz")]
    [InlineData("held-out pairs below one in a profile", "reproduce --profile bad-held-out", "heldOutPairs")]
    [InlineData("bench sizes with --real-images-only", "bench --real-images-only --pairs 5", "--image-size and --pairs size the seed configuration's runs")]
    [InlineData("bench sizes with --step-profile-only", "bench --step-profile-only --image-size 64", "--image-size and --pairs size the seed configuration's runs, which --step-profile-only skips")]
    [InlineData("two parts of bench at once", "bench --real-images-only --step-profile-only", "give one of them")]
    public void Every_real_image_setting_is_checked_before_training_with_exit_2_and_a_message_naming_it(string what, string command, string named)
    {
        var empty = Directory.CreateTempSubdirectory("xnorspec-empty-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(reproduction.Directory, "profiles", "bad-held-out.json"), """
                { "description": "held-out pairs 0", "settings": { "data": "FashionMnistSubset", "encoder": "SmallCnn", "imageSize": 28, "heldOutPairs": 0 },
                  "experiments": [ { "head": "Product" } ] }
                """);
            var args = command.Split(' ').Select(a => a == "EMPTY" ? empty : a).ToArray();

            var run = CliInProcessOrProcess(args);

            output.WriteLine($"{what}: {run}");
            run.ExitCode.Should().Be(2, what);
            run.Errors.Should().Contain(named, what);
            run.Output.Should().NotContain("epoch 1/", "nothing trains");
        }
        finally { Directory.Delete(empty, recursive: true); }
    }

    [Fact]
    public void Train_with_data_fixture_trains_on_the_checked_in_subset_and_records_it_in_the_model()
    {
        var model = Path.Combine(reproduction.Directory, "fixture.model");

        var run = CliInProcess.Run("train", "--profile", "fashion-quick", "--data", "fixture", "--epochs", "1", "--pairs", "64", "--save", model);

        output.WriteLine(run.ToString());
        run.ExitCode.Should().Be(0);
        run.Output.Should().Contain("3,000 training and 1,000 test images from " + FashionMnistFiles.FixtureFolder).And.Contain("held-out MSE");
        var (saved, experiment) = ModelFile.Load(model);
        saved.Dispose();
        experiment.Data.Should().Be(PairData.FashionMnistSubset, "the word names the subset, not a folder of the whole dataset");
    }

    [Fact]
    public void Train_on_real_images_prints_the_verdict_of_the_held_out_MSE_not_of_the_training_loss()
    {
        // One epoch of the query-only control: training loss 0.190 (partly learned) but held-out MSE 0.131 (learned),
        // so the printed word shows which of the two it was read from.
        var run = CliInProcess.Run("train", "--profile", "fashion-quick", "--data", "fixture", "--head", "Concat", "--labels", "QueryInFirstHalf", "--epochs", "1");
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(0);
        var line = System.Text.RegularExpressions.Regex.Match(run.Output, @"final loss ([0-9.]+) \(([a-z ]+)\);.* held-out MSE ([0-9.]+), accuracy");
        line.Success.Should().BeTrue("train prints its final line");
        double training = double.Parse(line.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double heldOut = double.Parse(line.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        Verdicts.Of(training).Should().NotBe(Verdicts.Of(heldOut), "this case tells the two apart");
        line.Groups[2].Value.Should().Be(Verdicts.Of(heldOut).Describe());
    }

    /// <summary>The tiny fixtures folder's profiles are only visible to a process started with it; the rest run in process (the tools' commands in theirs).</summary>
    private CliRun CliInProcessOrProcess(string[] args) =>
        args.Contains("bad-held-out") ? CliProcess.Run(reproduction.Start, args)
        : ToolsInProcess.Commands.Contains(args[0]) ? ToolsInProcess.Run(args) : CliInProcess.Run(args);
}
