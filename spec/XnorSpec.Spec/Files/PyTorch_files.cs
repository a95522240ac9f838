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
        var trained = RunScores.Train(experiment, CPU);
        using var model = trained.Model!;
        var path = Path.Combine(directory, $"{head}.pt");

        PyTorchFile.Save(model, path);
        using var loaded = PyTorchFile.Load(path, head);

        var before = model.state_dict();
        var after = loaded.state_dict();
        after.Keys.Should().Equal(before.Keys);
        foreach (var key in before.Keys) after[key].allclose(before[key], rtol: 0, atol: 0).Should().BeTrue(key);
        ColourSource.Predict(loaded, 16, CPU).Should().Equal(trained.Predictions);
        ColourSource.PredictWithBatchStatistics(loaded, 16, CPU).Should().Equal(trained.TrainModePredictions);
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

    [Fact]
    public void Every_head_s_exported_keys_and_shapes_are_the_ones_this_document_s_key_table_lists()
    {
        // The table of fixtures/pytorch/README.md, parsed, so the document cannot drift from `export`: every head
        // of the catalogue (export takes a model of any), its keys outside q_encoder.* and t_encoder.*, and their shapes.
        var documented = DocumentedHeadKeys(File.ReadAllLines(Fixtures.Path("pytorch", "README.md")), Encoders.FeatureSize(EncoderKind.TinyCnn));
        documented.Keys.Should().BeEquivalentTo(Enum.GetValues<FusionKind>(), "the table names every head once");

        foreach (var head in Enum.GetValues<FusionKind>())
        {
            var experiment = new Experiment { Head = head, Encoder = EncoderKind.TinyCnn, ImageSize = 16 };
            string model = Path.Combine(directory, $"{head}.model"), exported = Path.Combine(directory, $"{head}.pt");
            using (var untrained = Trainer.NewModel(experiment, CPU)) ModelFile.Save(untrained, experiment, model);
            var run = CliInProcess.Run("export", "--model", model, "--out", exported);
            run.ExitCode.Should().Be(0, run.ToString());

            using var scope = NewDisposeScope();
            var headKeys = PyTorchFile.ReadTensors(exported)
                .Where(e => !e.Key.StartsWith("q_encoder.") && !e.Key.StartsWith("t_encoder."))
                .Select(e => $"{e.Key} [{string.Join(", ", e.Value.shape)}]").ToArray();
            output.WriteLine($"{head}: {string.Join("; ", headKeys)}");
            headKeys.Should().BeEquivalentTo(documented[head], $"the document's row for {head}");
        }
    }

    /// <summary>
    /// Per head, "key [shape]" from the document's table (| head | keys | PyTorch module that loads them |): keys in
    /// backticks, each followed by its shape, where F is the encoder's width and n, for the one-Linear heads, is given
    /// per head in the third column ("over cat(q, t) (n = 2F), q * t, ...": each combination takes the next n named).
    /// </summary>
    private static Dictionary<FusionKind, string[]> DocumentedHeadKeys(string[] document, int featureSize)
    {
        int start = Array.FindIndex(document, l => l.StartsWith("| head | keys |"));
        start.Should().BeGreaterThanOrEqualTo(0, "the document has its key table");
        var rows = document.Skip(start + 2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => System.Text.RegularExpressions.Regex.Split(l.Trim().Trim('|'), @"(?<!\\)\|").Select(c => c.Trim()).ToArray());
        var table = new Dictionary<FusionKind, string[]>();
        foreach (var cells in rows)
        {
            var heads = cells[0].Split(',', StringSplitOptions.TrimEntries).Select(Enum.Parse<FusionKind>).ToArray();
            var inputs = Inputs(cells[2], featureSize);
            inputs.Length.Should().BeOneOf(new[] { 0, heads.Length }, $"the row of {cells[0]} gives n for each of its heads or for none");
            var keys = System.Text.RegularExpressions.Regex.Matches(cells[1], @"`([^`]+)`(?:\s*\[([^\]]*)\])?").ToArray();
            keys.Should().NotBeEmpty();
            for (int h = 0; h < heads.Length; h++)
                table.Add(heads[h], keys.Select(k =>
                {
                    k.Groups[2].Success.Should().BeTrue($"the document gives {k.Groups[1].Value}'s shape");
                    var shape = k.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries).Select(d => d switch
                    {
                        "n" => inputs[h],
                        "F" => featureSize,
                        _ when d.EndsWith('F') => int.Parse(d[..^1]) * featureSize,
                        _ => int.Parse(d),
                    });
                    return $"{k.Groups[1].Value} [{string.Join(", ", shape)}]";
                }).ToArray());
        }
        return table;
    }

    /// <summary>The n of each combination listed after "over " (commas inside parentheses do not separate): the next "(n = ...)" at or after it.</summary>
    private static int[] Inputs(string module, int featureSize)
    {
        int over = module.IndexOf("over ", StringComparison.Ordinal);
        if (over < 0 || !module.Contains("(n = ")) return [];
        var items = new List<string>();
        int depth = 0, from = over + 5;
        for (int i = from; i <= module.Length; i++)
        {
            if (i == module.Length || module[i] == ',' && depth == 0) { items.Add(module[from..i]); from = i + 1; continue; }
            depth += module[i] == '(' ? 1 : module[i] == ')' ? -1 : 0;
        }
        var named = items.Select(item => System.Text.RegularExpressions.Regex.Match(item, @"\(n = (\d*)F\)")).ToArray();
        return items.Select((_, i) =>
        {
            var next = named.Skip(i).First(m => m.Success);
            return (next.Groups[1].Value == "" ? 1 : int.Parse(next.Groups[1].Value)) * featureSize;
        }).ToArray();
    }

    [Fact]
    public void A_model_read_from_a_PyTorch_file_predicts_and_is_checked_in_eval_mode_with_its_BatchNorm_running_statistics()
    {
        // Two steps: BatchNorm's running statistics are still far from one pair's own, so training mode on a
        // batch of one pair would print another number (checked below, so this spec can see the difference).
        var experiment = new Experiment { Head = FusionKind.Product, Encoder = EncoderKind.TinyCnn, ImageSize = 16, Pairs = 20, BatchSize = 10, Epochs = 1, LearningRate = 0.05, Seed = 3 };
        var trained = RunScores.Train(experiment, CPU);
        using var model = trained.Model!;
        var path = Path.Combine(directory, "product.pt");
        PyTorchFile.Save(model, path);
        string black = Fixtures.Path("images", "black.png"), white = Fixtures.Path("images", "white.png");
        float Output(bool training)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.train(training);
            return model.call(ImageFile.Load(black, 16, CPU), ImageFile.Load(white, 16, CPU)).item<float>();
        }
        float eval = Output(training: false), trainingMode = Output(training: true); // eval first: training mode moves the running statistics

        var predicted = CliProcess.Run("predict", "--model", path, "--head", "Product", "--image-size", "16", black, white);
        var json = Path.Combine(directory, "check.json");
        var checkedRun = CliInProcess.Run("check", "--model", path, "--head", "Product", "--image-size", "16", "--out", json);
        output.WriteLine($"in this process: eval {eval:F6}, training mode on the one pair {trainingMode:F6}");
        output.WriteLine(predicted.ToString());

        Math.Abs(trainingMode - eval).Should().BeGreaterThan(1e-4f, "the two modes must differ (measured: 0.558867 in eval mode, 0.556104 in training mode) for this spec to tell them apart");
        predicted.ExitCode.Should().Be(0, predicted.ToString());
        float.Parse(predicted.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture).Should().BeApproximately(eval, 2e-6f, "predict prints the eval-mode output");
        checkedRun.ExitCode.Should().BeOneOf(0, 1);
        var predictions = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("check").GetProperty("scores").GetProperty("evalPredictions");
        foreach (var (pair, value) in trained.Predictions)
            predictions.GetProperty(pair).GetSingle().Should().BeApproximately(value, 1e-6f, $"check's eval-mode prediction for {pair}");
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
