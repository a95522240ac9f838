using System.Text.Json;
using FluentAssertions;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Files;

/// <summary>
/// Claim: a comparison model a PyTorch user scripted or traced is a pair model like XnorSpec's own: TorchSharp gives
/// PyTorch's outputs for it to float precision, its forward may take (query, template) or the question's stacked
/// data, it may return probabilities or logits, and a file that cannot be used is refused with a message naming the
/// file, the problem and the fix, never a native crash. No Python runs here: fixtures/torchscript holds what PyTorch
/// 1.13 wrote (fixtures/torchscript/make.py) and the outputs it computed (outputs.json).
/// </summary>
public sealed class TorchScript_models(ITestOutputHelper output)
{
    private static string Fixture(string name) => Fixtures.Path("torchscript", name);

    private static readonly JsonElement Recorded = JsonDocument.Parse(File.ReadAllText(Fixture("outputs.json"))).RootElement;

    public static TheoryData<string> RecordedModels => new(Recorded.GetProperty("models").EnumerateObject().Select(m => m.Name));

    /// <summary>make.py's fixed input: x[b,c,h,w] = ((7b + 3c + 5h + 11w) mod 17) / 16; the template is the query's rows reversed.</summary>
    private static (Tensor Query, Tensor Template) FixedInput()
    {
        var input = Recorded.GetProperty("input");
        int batch = input.GetProperty("batch").GetInt32(), channels = input.GetProperty("channels").GetInt32(), size = input.GetProperty("size").GetInt32();
        var values = new float[batch * channels * size * size];
        int k = 0;
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
                for (int h = 0; h < size; h++)
                    for (int w = 0; w < size; w++)
                        values[k++] = ((7 * b + 3 * c + 5 * h + 11 * w) % 17) / 16f;
        var query = tensor(values).view(batch, channels, size, size);
        return (query, query.flip(0));
    }

    [Theory]
    [MemberData(nameof(RecordedModels))]
    public void A_scripted_or_traced_model_gives_PyTorch_s_own_outputs_to_float_precision(string name)
    {
        using var scope = NewDisposeScope();
        var record = Recorded.GetProperty("models").GetProperty(name);
        bool logits = record.GetProperty("output").GetString() == "logit";
        var expected = record.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        using var model = TorchScriptModel.Load(Fixture(name), new TorchScriptReading(logits ? TorchScriptOutput.Logit : TorchScriptOutput.Probability));
        model.eval();
        var (query, template) = FixedInput();

        using var _ = no_grad();
        var ours = (logits ? model.Logit(query, template) : model.call(query, template)).to(float64).data<double>().ToArray();
        var difference = ours.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{name}: forward takes {model.Inputs}; PyTorch {string.Join(" ", expected.Select(v => v.ToString("F7")))}; TorchSharp {string.Join(" ", ours.Select(v => v.ToString("F7")))}; largest difference {difference:E2}");
        ours.Should().HaveCount(expected.Length);
        difference.Should().BeLessThan(1e-6, "both engines run libtorch's float32 kernels on the same weights and input");
    }

    [Theory]
    [InlineData("question-concat-scripted.pt", TorchScriptInputs.Stacked)]
    [InlineData("question-concat-traced.pt", TorchScriptInputs.Stacked)]
    [InlineData("product.pt", TorchScriptInputs.QueryAndTemplate)]
    [InlineData("shared-absdiff.pt", TorchScriptInputs.QueryAndTemplate)]
    public void Forward_s_number_of_arguments_tells_the_question_s_stacked_data_from_a_query_and_a_template(string name, TorchScriptInputs expected)
    {
        using var model = TorchScriptModel.Load(Fixture(name));
        model.Inputs.Should().Be(expected);
        model.ForwardArguments.Should().Be(expected == TorchScriptInputs.Stacked ? 1 : 2);
    }

    [Fact]
    public void The_question_s_scripted_class_and_its_trace_give_the_same_logits_as_one_pair_model()
    {
        using var scope = NewDisposeScope();
        using var scripted = TorchScriptModel.Load(Fixture("question-concat-scripted.pt"));
        using var traced = TorchScriptModel.Load(Fixture("question-concat-traced.pt"));
        var (query, template) = FixedInput();
        using var _ = no_grad();
        scripted.Logit(query, template).allclose(traced.Logit(query, template), rtol: 0, atol: 1e-5).Should().BeTrue();
        // One pair at a time ([3, H, W], the question's "singular images") gives the same logit as within the batch.
        scripted.Logit(query[1], template[1]).item<float>().Should().BeApproximately(scripted.Logit(query, template)[1].item<float>(), 1e-5f);
    }

    [Fact]
    public void A_probability_becomes_its_logit_log_p_over_1_minus_p()
    {
        using var scope = NewDisposeScope();
        // PyTorch's probabilities (outputs.json), turned into logits here, against the logits XnorSpec reads from the file.
        var pytorch = Recorded.GetProperty("models").GetProperty("product.pt").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        using var model = TorchScriptModel.Load(Fixture("product.pt"));
        var (query, template) = FixedInput();
        using var _ = no_grad();
        var z = model.Logit(query, template).to(float64).data<double>().ToArray();
        z.Zip(pytorch, (logit, p) => Math.Abs(logit - Math.Log(p / (1 - p)))).Max().Should().BeLessThan(1e-5);
        TorchScriptModel.ClampedLogit.Should().BeApproximately(16.6355, 1e-4, "p is clamped to [2^-24, 1 - 2^-24]");
    }

    [Fact]
    public void Greyscale_images_feed_a_three_channel_model_by_repeating_the_grey_channel()
    {
        using var scope = NewDisposeScope();
        using var model = TorchScriptModel.Load(Fixture("product.pt"));
        var grey = rand(new long[] { 3, 1, 16, 16 }, generator: new Generator(5));
        var other = rand(new long[] { 3, 1, 16, 16 }, generator: new Generator(6));
        using var _ = no_grad();
        model.Logit(grey, other).allclose(model.Logit(grey.expand(-1, 3, -1, -1), other.expand(-1, 3, -1, -1)), rtol: 0, atol: 0).Should().BeTrue();
    }

    [Fact]
    public void A_copy_has_the_same_logits_and_its_own_parameters()
    {
        using var scope = NewDisposeScope();
        using var model = TorchScriptModel.Load(Fixture("concat-mlp.pt"));
        model.eval();
        var (query, template) = FixedInput();
        using var _ = no_grad();
        var before = model.Logit(query, template).clone();
        using var copy = model.Copy();
        copy.Logit(query, template).allclose(before, rtol: 0, atol: 0).Should().BeTrue();
        foreach (var parameter in copy.parameters()) parameter.add_(1);
        model.Logit(query, template).allclose(before, rtol: 0, atol: 0).Should().BeTrue("changing the copy leaves the original as it was");
        copy.Logit(query, template).allclose(before, rtol: 0, atol: 1e-3).Should().BeFalse();
    }

    // ---- refusals ------------------------------------------------------------------------------------------------

    private BadFileException Refused(Action load)
    {
        var refusal = load.Should().Throw<BadFileException>().Which;
        output.WriteLine(refusal.Message);
        refusal.Message.Should().NotContain("Exception raised from", "libtorch's C++ stack trace is not shown");
        return refusal;
    }

    [Fact]
    public void A_module_saved_on_a_GPU_is_read_onto_the_CPU_with_its_weights()
    {
        // saved-on-cuda.pt is shared-absdiff.pt with its tensors' device in the archive set to cuda:0, as torch.jit.save
        // writes it on a GPU machine; PyTorch without CUDA refuses it unless told map_location='cpu' (make.py checks both).
        using var scope = NewDisposeScope();
        using var onGpu = TorchScriptModel.Load(Fixture("saved-on-cuda.pt"));
        using var onCpu = TorchScriptModel.Load(Fixture("shared-absdiff.pt"));
        onGpu.ParameterDevice.type.Should().Be(TorchSharp.DeviceType.CPU);
        var (query, template) = FixedInput();
        using var _ = no_grad();
        onGpu.Logit(query, template).data<float>().ToArray().Should().Equal(onCpu.Logit(query, template).data<float>().ToArray());
    }

    [Fact]
    public void A_state_dict_given_as_TorchScript_is_refused_naming_torch_jit_script_and_its_head_as_the_fixes()
    {
        var path = Fixture("bad-state-dict.pt");
        var refusal = Refused(() => TorchScriptModel.Load(path));
        refusal.Message.Should().Contain(path).And.Contain("state_dict").And.Contain("torch.jit.script(model).save(path)").And.Contain("with the head it was built with");
    }

    [Fact]
    public void A_file_that_is_not_a_zip_archive_is_refused_as_not_TorchScript()
    {
        var path = Fixtures.Path("images", "black.png");
        Refused(() => TorchScriptModel.Load(path)).Message.Should().Contain(path).And.Contain("not a TorchScript file");
    }

    [Fact]
    public void A_damaged_TorchScript_archive_is_refused_with_libtorch_s_reason_not_a_crash()
    {
        var directory = Directory.CreateTempSubdirectory("xnorspec-ts-").FullName;
        try
        {
            // The archive's entries are kept, its model code emptied: libtorch cannot compile it.
            var path = Path.Combine(directory, "damaged.pt");
            using (var source = System.IO.Compression.ZipFile.OpenRead(Fixture("product.pt")))
            using (var target = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
                foreach (var entry in source.Entries)
                {
                    using var to = target.CreateEntry(entry.FullName).Open();
                    if (entry.FullName.EndsWith(".py", StringComparison.Ordinal)) to.Write("class Broken(:\n"u8);
                    else entry.Open().CopyTo(to);
                }
            Refused(() => TorchScriptModel.Load(path)).Message.Should().Contain(path).And.Contain("libtorch could not read");
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    [Fact]
    public void A_forward_with_three_arguments_is_refused_naming_the_two_accepted_forms()
    {
        var path = Fixture("bad-three-inputs.pt");
        Refused(() => TorchScriptModel.Load(path)).Message.Should().Contain(path).And.Contain("takes 3 argument(s)").And.Contain("(query, template)").And.Contain("torch.stack([query, template])");
    }

    [Fact]
    public void Asking_for_stacked_inputs_from_a_two_argument_forward_is_refused()
    {
        var path = Fixture("product.pt");
        Refused(() => TorchScriptModel.Load(path, new TorchScriptReading(Inputs: TorchScriptInputs.Stacked))).Message.Should().Contain("takes 2 argument(s)");
        using var told = TorchScriptModel.Load(path, new TorchScriptReading(Inputs: TorchScriptInputs.QueryAndTemplate));
        told.Inputs.Should().Be(TorchScriptInputs.QueryAndTemplate);
    }

    [Fact]
    public void Two_outputs_per_pair_are_refused_as_not_one_value_per_pair()
    {
        using var scope = NewDisposeScope();
        var path = Fixture("bad-two-outputs-per-pair.pt");
        using var model = TorchScriptModel.Load(path);
        var (query, template) = FixedInput();
        Refused(() => model.Logit(query, template)).Message.Should().Contain(path).And.Contain("[4, 2] for 4 pair(s)").And.Contain("one value per pair");
    }

    [Fact]
    public void An_error_raised_inside_forward_is_shown_with_its_message()
    {
        using var scope = NewDisposeScope();
        var path = Fixture("bad-raises-in-forward.pt");
        using var model = TorchScriptModel.Load(path);
        var (query, template) = FixedInput();
        Refused(() => model.Logit(query, template)).Message.Should().Contain(path).And.Contain("this model wants five-channel images");
    }

    [Fact]
    public void Logits_read_as_probabilities_are_refused_naming_the_logit_option()
    {
        using var scope = NewDisposeScope();
        var path = Fixture("concat-logit.pt");
        using var model = TorchScriptModel.Load(path);
        // Shifted far from 0.5 so that the logits leave [0, 1] whatever the weights.
        var (query, template) = FixedInput();
        var refusal = Refused(() => model.Logit(query * 40, template * 40));
        refusal.Message.Should().Contain(path).And.Contain("outside [0, 1]").And.Contain("TorchScriptOutput.Logit");
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid() + ".pt");
        Refused(() => TorchScriptModel.Load(path)).Message.Should().Contain(path).And.Contain("no such file");
    }
}
