using System.Text.Json;
using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// Claim: `check` tells a model that can tell same from different (exit 0) from one that cannot
/// (exit 1), names the head's family, and reads XnorSpec files and PyTorch state_dicts alike, so it
/// can gate a CI job. The criterion: eval-mode balanced XNOR loss at most 0.15.
/// </summary>
public sealed class Check_command(ITestOutputHelper output) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("xnorspec-check-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private (CliRun Run, JsonElement Check) Check(params string[] args)
    {
        var json = Path.Combine(directory, $"check-{Guid.NewGuid():N}.json");
        var run = CliInProcess.Run(["check", .. args, "--out", json]);
        output.WriteLine(run.ToString());
        File.Exists(json).Should().BeTrue("the report is written whatever the verdict");
        return (run, JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("check"));
    }

    private string Saved(TrainingResult run, string name)
    {
        var path = Path.Combine(directory, name);
        ModelFile.Save(run.Model!, run.Experiment, path);
        return path;
    }

    [Fact]
    public void A_trained_product_model_passes_with_exit_code_0_and_a_positive_interaction_contrast()
    {
        // The quick profile's product run, shared with the other specs that train it. Its eval-mode balanced XNOR loss,
        // seeds 1-10 (fixtures/reproduction/quick-smallcnn-study.csv): 0.0038 at the worst; margin to 0.15 = 137 SD (SD 0.0011).
        var (run, check) = Check("--model", Saved(Runs.Of(Runs.Quick, FusionKind.Product, LabelRule.SameColour), "product.model"));

        run.ExitCode.Should().Be(0);
        check.GetProperty("family").GetString().Should().Be(ModelCheck.InteractionFamily);
        check.GetProperty("tellsSameFromDifferent").GetBoolean().Should().BeTrue();
        check.GetProperty("contrast").GetProperty("mean").GetDouble().Should().BePositive();
        check.GetProperty("scores").GetProperty("xnorLossEval").GetDouble().Should().BeLessThanOrEqualTo(Verdicts.LearnedAtMost);
        run.Output.Should().Contain("verdict: Product head: has an interaction term; this model tells same from different");
    }

    [Fact]
    public void A_trained_concat_model_fails_with_exit_code_1_as_separable_with_a_zero_interaction_contrast()
    {
        var (run, check) = Check("--model", Saved(Runs.Of(Runs.Quick, FusionKind.Concat, LabelRule.SameColour), "concat.model"));

        run.ExitCode.Should().Be(1);
        check.GetProperty("family").GetString().Should().Be(ModelCheck.SeparableFamily);
        check.GetProperty("separable").GetBoolean().Should().BeTrue();
        check.GetProperty("contrast").GetProperty("mean").GetDouble().Should().BeApproximately(0, 1e-4);
        check.GetProperty("scores").GetProperty("xnorLossEval").GetDouble().Should().BeGreaterThanOrEqualTo(0.25 - 1e-6, "no separable head does better than 0.5 everywhere in eval mode");
        run.Output.Should().Contain("separable: cannot tell same from different whatever it is trained on");
    }

    [Fact]
    public void An_untrained_product_model_fails_with_exit_code_1_though_its_head_has_an_interaction_term()
    {
        var experiment = Runs.Quick.Get(FusionKind.Product, LabelRule.SameColour);
        var path = Path.Combine(directory, "untrained.model");
        using (var model = Trainer.NewModel(experiment, TestDevice.Current)) ModelFile.Save(model, experiment, path);

        var (run, check) = Check("--model", path);

        run.ExitCode.Should().Be(1);
        check.GetProperty("family").GetString().Should().Be(ModelCheck.InteractionFamily);
        check.GetProperty("tellsSameFromDifferent").GetBoolean().Should().BeFalse();
        run.Output.Should().Contain("cannot tell same from different").And.Contain("untrained or trained on other labels");
    }

    // The eval-mode criterion, pinned from both sides: the quick product run, copied through its file, then
    // edited in the last BatchNorm of each tower (bn3) so that only one of the two modes answers right.
    // Eval mode normalises with the running statistics, training mode with the batch's own, and bn3 feeds a
    // ReLU, global pooling and the encoder's Linear, so what reaches the head is decided there.

    [Fact]
    public void A_model_right_in_training_mode_but_wrong_in_eval_mode_cannot_tell_same_from_different_exit_code_1()
    {
        // Running variance 1e10: in eval mode bn3 gives its bias for every image, so every pair gets the same
        // output (balanced loss at least 0.25); training mode never reads the running statistics.
        var path = Edited("eval-wrong.model", (name, state) => state[$"{name}.running_var"].fill_(1e10));

        var (run, check) = Check("--model", path);

        ShouldBeAsTrained(check.GetProperty("scores").GetProperty("trainModePredictions"), Trained.TrainModePredictions, "training mode is untouched");
        check.GetProperty("scores").GetProperty("xnorLossTrainMode").GetDouble().Should().BeLessThanOrEqualTo(Verdicts.LearnedAtMost, "training mode is untouched and the run learned");
        check.GetProperty("scores").GetProperty("xnorLossEval").GetDouble().Should().BeGreaterThanOrEqualTo(0.25 - 1e-6, "in eval mode every pair gets the same output");
        run.ExitCode.Should().Be(1, "a model is used in eval mode, where this one cannot tell same from different");
        check.GetProperty("tellsSameFromDifferent").GetBoolean().Should().BeFalse();
        run.Output.Should().Contain("this model cannot tell same from different");
    }

    [Fact]
    public void A_model_right_in_eval_mode_but_wrong_in_training_mode_tells_same_from_different_exit_code_0()
    {
        // bn3's bias lowered to -(100 |gamma| + 1) and its running mean moved to match: in eval mode
        // gamma (x - mean') / s + beta' is gamma (x - mean) / s + beta again (mean' = mean + (beta' - beta) s / gamma),
        // while in training mode the batch-normalised value is at most sqrt(count - 1) < 100 in size, so the ReLU
        // after bn3 gives 0 for every image: every pair gets the same output.
        var path = Edited("train-wrong.model", (name, state) =>
        {
            Tensor gamma = state[$"{name}.weight"], beta = state[$"{name}.bias"], mean = state[$"{name}.running_mean"];
            var s = (state[$"{name}.running_var"] + BatchNormEpsilon).sqrt();
            var lowered = -(gamma.abs() * 100 + 1);
            mean.add_((lowered - beta) * s / gamma);
            beta.copy_(lowered);
        });

        var (run, check) = Check("--model", path);

        check.GetProperty("scores").GetProperty("xnorLossTrainMode").GetDouble().Should().BeGreaterThanOrEqualTo(0.25 - 1e-6, "in training mode every pair gets the same output");
        ShouldBeAsTrained(check.GetProperty("scores").GetProperty("evalPredictions"), Trained.Predictions, "eval mode computes what it did before the edit");
        check.GetProperty("scores").GetProperty("xnorLossEval").GetDouble().Should().BeLessThanOrEqualTo(Verdicts.LearnedAtMost, "eval mode computes what it did before the edit");
        run.ExitCode.Should().Be(0, "a model is used in eval mode, where this one tells same from different");
        check.GetProperty("tellsSameFromDifferent").GetBoolean().Should().BeTrue();
    }

    private static TrainingResult Trained => Runs.Of(Runs.Quick, FusionKind.Product, LabelRule.SameColour);

    private static void ShouldBeAsTrained(JsonElement predictions, IReadOnlyDictionary<string, float> trained, string because)
    {
        foreach (var (pair, value) in trained) predictions.GetProperty(pair).GetSingle().Should().BeApproximately(value, 1e-4f, $"{because} ({pair})");
    }

    // nn.BatchNorm2d's default, which Encoders uses.
    private const double BatchNormEpsilon = 1e-5;

    /// <summary>A copy of the quick profile's trained product model with each tower's bn3 edited.</summary>
    private string Edited(string name, Action<string, Dictionary<string, Tensor>> edit)
    {
        var original = Saved(Trained, $"original-{name}");
        var (model, experiment) = ModelFile.Load(original);
        using (model)
        {
            experiment.Encoder.Should().Be(EncoderKind.SmallCnn, "bn3 is SmallCnn's last BatchNorm");
            var state = model.state_dict().ToDictionary(e => e.Key, e => e.Value);
            using (var scope = NewDisposeScope())
            using (no_grad())
                foreach (var tower in new[] { "queryEncoder", "templateEncoder" }) edit($"{tower}.bn3", state);
            var path = Path.Combine(directory, name);
            ModelFile.Save(model, experiment, path);
            return path;
        }
    }

    [Theory]
    [InlineData("product", 0)]
    [InlineData("concat", 1)]
    public void A_PyTorch_trained_model_is_checked_from_its_state_dict(string head, int exitCode)
    {
        // fixtures/pytorch/make_twin.py trained both twins in PyTorch on the question's task: the product head learned it, the concat head could not.
        var (run, check) = Check("--model", Fixtures.Path("pytorch", $"twin-{head}.pt"), "--head", head, "--image-size", "16");

        run.ExitCode.Should().Be(exitCode);
        run.Output.Should().Contain("PyTorch state_dict");
        check.GetProperty("encoder").GetString().Should().Be("TinyCnn");
    }

    [Fact]
    public void An_imported_PyTorch_model_passes_check_and_predict()
    {
        var imported = Path.Combine(directory, "twin.model");
        CliInProcess.Run("import", "--model", Fixtures.Path("pytorch", "twin-product.pt"), "--head", "Product", "--image-size", "16", "--out", imported)
            .ExitCode.Should().Be(0);

        Check("--model", imported).Run.ExitCode.Should().Be(0);
        float Predict(string a, string b)
        {
            var run = CliInProcess.Run("predict", "--model", imported, Fixtures.Path("images", a), Fixtures.Path("images", b));
            run.ExitCode.Should().Be(0, run.ToString());
            return float.Parse(run.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        Predict("black.png", "black.png").Should().BeGreaterThan(0.5f);
        Predict("black.png", "white.png").Should().BeLessThan(0.5f);
    }

    [Theory]
    [InlineData("twin-concat.pt", "Concat")]
    [InlineData("twin-product.pt", "Product")]
    public void On_real_image_category_pairs_the_contrast_is_zero_for_a_separable_head_and_not_for_one_that_learned_XNOR(string file, string head)
    {
        // The PyTorch-trained twins (16x16, TinyCnn, trained on colours), told they are for Fashion-MNIST: the probe is then
        // the first two test images of each category.
        var (run, check) = Check("--model", Fixtures.Path("pytorch", file), "--head", head, "--image-size", "16", "--trained-on", "FashionMnistSubset");
        var real = check.GetProperty("contrast");
        double largest = real.GetProperty("largestMagnitude").GetDouble(), scale = real.GetProperty("largestLogit").GetDouble();

        real.GetProperty("squares").GetInt32().Should().Be(45);
        run.Output.Should().Contain("over 45 Fashion-MNIST category pairs");
        if (head == "Concat")
            (largest / scale).Should().BeLessThan(1e-4, "a separable head's logits add up on any images, real ones included");
        else
            (largest / scale).Should().BeGreaterThan(0.1, "the product twin's logits do not add up");
    }
}
