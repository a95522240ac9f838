using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// Claim: a model trained on Fashion-MNIST stays a Fashion-MNIST model wherever it goes. Its file records
/// the data it was made for, so `check` judges it on held-out category pairs (exit 0 for a product head that
/// beats the separable bound, 1 for the concat head), `export` then `import` (with the options `export`
/// prints) gives back the same model, and `predict` takes greyscale files and test:N references for it,
/// from the XnorSpec file and from the PyTorch file alike. Models: the fashion-quick profile, seed 1,
/// trained once for this class (about 3 s each on 2 cores).
/// </summary>
public sealed class Real_image_models : IClassFixture<Real_image_models.Trained>
{
    public sealed class Trained : IDisposable
    {
        private readonly TemporaryFolder folder = new("xnorspec-real-models-");

        public Trained()
        {
            Product = Save(FusionKind.Product);
            Concat = Save(FusionKind.Concat);
        }

        public string Product { get; }
        public string Concat { get; }
        public string Folder => folder.Location;

        private string Save(FusionKind head)
        {
            var experiment = RealImageRuns.Quick(head, LabelRule.SameCategory);
            using var source = new FashionMnistSource(experiment.Data, FashionFixture.Splits);
            var run = Trainer.Run(experiment, source, TestDevice.Current);
            using var model = run.Model!;
            var path = Path.Combine(folder.Location, $"{head}.model".ToLowerInvariant());
            ModelFile.Save(model, experiment, path);
            return path;
        }

        public void Dispose() => folder.Dispose();
    }

    private readonly ITestOutputHelper output;
    private readonly Trained trained;

    public Real_image_models(ITestOutputHelper output, Trained trained) => (this.output, this.trained) = (output, trained);

    private CliRun Run(params string[] args)
    {
        var run = CliInProcess.Run(args);
        output.WriteLine($"{string.Join(' ', args)}\n{run}");
        return run;
    }

    private static double Probability(CliRun run) => double.Parse(run.Output.Trim(), CultureInfo.InvariantCulture);

    [Fact]
    public void Check_judges_a_Fashion_MNIST_model_on_held_out_category_pairs_product_passes_and_concat_fails()
    {
        var json = Path.Combine(trained.Folder, "product-check.json");
        var product = Run("check", "--model", trained.Product, "--out", json);
        var concat = Run("check", "--model", trained.Concat);

        product.ExitCode.Should().Be(0, "the product head beats the separable bound on held-out pairs");
        concat.ExitCode.Should().Be(1, "the concat head is separable");
        product.Output.Should().Contain("criterion: tells same from different when its held-out MSE").And.Contain("over 45 Fashion-MNIST category pairs");
        // The model's temporary folder is named at random and may itself hold "BB"; only the check's own words count.
        product.Output.Replace(trained.Folder, "FOLDER").Should().NotContain("BB", "a Fashion-MNIST model is not judged on colours");
        var check = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("check");
        check.GetProperty("data").GetString().Should().Be(nameof(PairData.FashionMnistSubset));
        check.GetProperty("scores").GetProperty("heldOut").GetProperty("pairs").GetInt32().Should().Be(1000);
        check.GetProperty("scores").GetProperty("heldOut").GetProperty("mse").GetDouble().Should().BeLessThan(FashionMnistSource.BeatsBoundBelow);
    }

    [Fact]
    public void Export_then_import_gives_back_the_Fashion_MNIST_model_and_predict_reads_references_for_both_files()
    {
        var pt = Path.Combine(trained.Folder, "product.pt");
        var export = Run("export", "--model", trained.Product, "--out", pt);
        export.ExitCode.Should().Be(0);
        var again = System.Text.RegularExpressions.Regex.Match(export.Output, @"xnor-spec (import .*) --out FILE\.model").Groups[1].Value;
        again.Should().Contain("--trained-on FashionMnistSubset").And.Contain("--image-size 28");
        var imported = Path.Combine(trained.Folder, "imported.model");
        Run([.. again.Split(' '), "--out", imported]).ExitCode.Should().Be(0);

        var (original, _) = ModelFile.Load(trained.Product);
        var (back, experiment) = ModelFile.Load(imported);
        using (original) using (back)
        {
            experiment.Data.Should().Be(PairData.FashionMnistSubset);
            experiment.ImageSize.Should().Be(28);
            foreach (var (name, tensor) in original.state_dict())
                back.state_dict()[name].eq(tensor).all().item<bool>().Should().BeTrue(name);
        }

        var sneaker = Fixtures.Path("images", "fashion", "sneaker-test-0012.png");
        foreach (var model in new[] { trained.Product, imported })
        {
            var same = Run("predict", "--model", model, "test:9", sneaker);
            same.ExitCode.Should().Be(0);
            same.Errors.Should().Contain("P(same category)");
        }
        var fromPyTorch = Run("predict", "--model", pt, "--head", "Product", "--encoder", "SmallCnn", "--trained-on", "FashionMnistSubset", "test:9", sneaker);
        fromPyTorch.ExitCode.Should().Be(0);
        Probability(fromPyTorch).Should().BeApproximately(Probability(Run("predict", "--model", trained.Product, "test:9", sneaker)), 1e-6,
            "the PyTorch file is the same model, shown the same image at the same size");
        Run("check", "--model", pt, "--head", "Product", "--encoder", "SmallCnn", "--trained-on", "FashionMnistSubset").ExitCode.Should().Be(0);
    }

    [Fact]
    public void An_XnorSpec_model_file_told_other_data_than_it_records_is_refused()
    {
        var run = Run("check", "--model", trained.Product, "--trained-on", "Colours");
        run.ExitCode.Should().Be(2);
        run.Errors.Should().Contain("records head Product, encoder SmallCnn and data FashionMnistSubset").And.Contain("Leave them out");
    }

    [Fact]
    public void A_PyTorch_file_told_nothing_is_read_as_a_colour_model_and_refuses_dataset_references()
    {
        var pt = Path.Combine(trained.Folder, "concat.pt");
        Run("export", "--model", trained.Concat, "--out", pt).ExitCode.Should().Be(0);
        var run = Run("predict", "--model", pt, "--head", "Concat", "--encoder", "SmallCnn", "test:9", "test:12");
        run.ExitCode.Should().Be(2);
        run.Errors.Should().Contain("trained on solid black and white images");
    }
}
