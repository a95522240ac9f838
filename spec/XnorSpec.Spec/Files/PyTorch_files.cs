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

namespace XnorSpec.Spec.Files;

/// <summary>
/// Claim: a model travels to PyTorch's state_dict format and back unchanged, under the key names of
/// the question's TemplateEvaluator, so the question's own class loads it; PyTorch's own outputs for a
/// PyTorch-trained model are reproduced. No Python runs here: fixtures/pytorch holds what PyTorch
/// wrote (fixtures/pytorch/make_twin.py, its command in its docstring).
/// </summary>
public sealed class PyTorch_files(ITestOutputHelper output) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("xnorspec-pytorch-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    public static TheoryData<FusionKind> EveryHead => new(Enum.GetValues<FusionKind>());

    [Theory]
    [MemberData(nameof(EveryHead))]
    public void A_model_exported_to_PyTorch_and_imported_back_has_bit_identical_weights_and_predictions(FusionKind head)
    {
        // Two steps move every weight and BatchNorm buffer (num_batches_tracked too) off its initial value.
        var experiment = new Experiment { Head = head, Encoder = EncoderKind.TinyCnn, ImageSize = 16, Pairs = 20, BatchSize = 10, Epochs = 1, LearningRate = 0.05, Seed = 3 };
        var trained = Trainer.Run(experiment, CPU);
        using var model = trained.Model!;
        var path = Path.Combine(directory, $"{head}.pt");

        PyTorchFile.Save(model, path);
        using var loaded = PyTorchFile.Load(path, head);

        var before = model.state_dict();
        var after = loaded.state_dict();
        after.Keys.Should().Equal(before.Keys);
        foreach (var key in before.Keys) after[key].allclose(before[key], rtol: 0, atol: 0).Should().BeTrue(key);
        Trainer.Predict(loaded, 16, CPU).Should().Equal(trained.Predictions);
        Trainer.PredictWithBatchStatistics(loaded, 16, CPU).Should().Equal(trained.TrainModePredictions);
    }

    [Fact]
    public void The_exported_keys_are_the_question_s_q_encoder_t_encoder_and_fc_0_with_BatchNorm_buffers()
    {
        var experiment = new Experiment { Head = FusionKind.Product, Encoder = EncoderKind.TinyCnn, ImageSize = 16 };
        using var model = Trainer.NewModel(experiment, CPU);
        var path = Path.Combine(directory, "product.pt");
        PyTorchFile.Save(model, path);

        using var scope = NewDisposeScope();
        var keys = PyTorchFile.ReadTensors(path).Keys.Order().ToArray();
        // The PyTorch twin's file, written by torch.save from the question's class with the same encoders.
        var pytorchKeys = PyTorchFile.ReadTensors(Fixtures.Path("pytorch", "twin-product.pt")).Keys.Order().ToArray();
        keys.Should().Equal(pytorchKeys);
        keys.Should().Contain(["fc.0.weight", "fc.0.bias", "q_encoder.bn1.num_batches_tracked", "t_encoder.bn2.running_var"]);
    }

    [Fact]
    public void ResNet18_models_of_both_heads_have_exactly_the_keys_and_shapes_of_the_question_s_class_with_torchvision_resnet18()
    {
        // fixtures/pytorch/question-keys.txt: PyTorch's state_dict of TemplateEvaluator(resnet18(), resnet18()), both heads.
        var pytorch = File.ReadLines(Fixtures.Path("pytorch", "question-keys.txt")).Where(l => !l.StartsWith('#')).Select(l => l.Split(' ', 3)).ToArray();
        using var product = new PairModel(FusionKind.Product, EncoderKind.ResNet18);
        using var concat = product.WithNewHead(FusionKind.Concat); // the same encoders: one ResNet18 pair to build, not two

        foreach (var model in new[] { concat, product })
        {
            var head = model.Fusion;
            var ours = model.state_dict().Select(e => $"{PyTorchFile.TheirKey(e.Key, head)} [{string.Join(", ", e.Value.shape)}]").ToArray();
            output.WriteLine($"{head}: {ours.Length} keys; {ours.Single(k => k.StartsWith("fc.0.weight"))}");
            ours.Should().BeEquivalentTo(pytorch.Where(p => p[0] == head.ToString().ToLowerInvariant()).Select(p => $"{p[1]} {p[2]}"));
            ours.Count(k => k.Contains("num_batches_tracked")).Should().Be(40, "ResNet18 has 20 BatchNorm layers per tower");
        }
    }

    // Measured (fixtures/pytorch, TorchSharp 0.107.0 against Debian's PyTorch 1.13.1, AMD EPYC): largest
    // difference 3.8e-6 (product twin, training-mode logit; its logits reach 26), concat twin 6e-8.
    // The tolerance, 1e-4, leaves a margin of 26x; a wrong weight or BatchNorm mode moves logits by 1e-2 or more.
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(FusionKind.Product)]
    [InlineData(FusionKind.Concat)]
    public void A_PyTorch_trained_twin_gives_PyTorch_s_logits_and_outputs_in_eval_and_training_mode(FusionKind head)
    {
        var name = head.ToString().ToLowerInvariant();
        using var model = PyTorchFile.Load(Fixtures.Path("pytorch", $"twin-{name}.pt"), head);

        var comparison = PyTorchComparison.Of(model, Fixtures.Path("pytorch", $"twin-{name}.outputs.pt"));

        output.WriteLine($"{name}: {comparison}");
        comparison.Rows.Should().Be(8);
        comparison.Largest.Should().BeLessThanOrEqualTo(Tolerance);
    }
}
