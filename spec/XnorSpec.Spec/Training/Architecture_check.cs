using System.Globalization;
using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim: the structural test tells an architecture that cannot compare from one that can, whatever its current
/// weights: every separable architecture (XnorSpec's Concat and Sum heads, the question's TemplateEvaluator scripted or
/// traced by PyTorch, a concat model returning logits) shows an interaction share at float noise for every weight draw;
/// every architecture with an interaction term (the other heads; a two-tower product, a shared-encoder |q - t|, a cosine
/// and a concat + MLP model written by PyTorch) shows one far above it. The check works on copies: the model given is
/// never changed. Draws are seeded, so a check replays.
/// </summary>
public sealed class Architecture_check(ITestOutputHelper output)
{
    private const int Size = 32;

    private static PairModel Fresh(FusionKind head, long seed = 3) =>
        Trainer.NewModel(new Experiment { Head = head, Seed = seed, ImageSize = Size, Encoder = EncoderKind.SmallCnn }, TestDevice.Current);

    private static TorchScriptModel Script(string name) =>
        TorchScriptModel.Load(Fixtures.Path("torchscript", name), new TorchScriptReading(name.Contains("logit") ? TorchScriptOutput.Logit : TorchScriptOutput.Probability), TestDevice.Current);

    private ArchitectureCheck Checked(ComparisonModel model, PairData data = PairData.Colours, int size = Size)
    {
        using var source = PairSources.For(data);
        var check = ArchitectureCheck.Run(model, source, size, TestDevice.Current);
        output.WriteLine(check.Verdict);
        output.WriteLine("H² per draw: " + string.Join(" ", check.DrawResults.Select(d => d.Share.ToString("E2", CultureInfo.InvariantCulture) + (d.Conclusive ? "" : $" ({d.SetAside})"))));
        return check;
    }

    public static TheoryData<FusionKind> EveryHead => new(Enum.GetValues<FusionKind>());

    [Theory]
    [MemberData(nameof(EveryHead))]
    public void Every_head_of_the_catalogue_is_found_separable_exactly_when_the_catalogue_says_it_is(FusionKind head)
    {
        using var model = Fresh(head);
        var check = Checked(model);
        check.Separable.Should().Be(FusionHead.IsSeparable(head));
        check.DrawResults.Should().HaveCount(ArchitectureCheck.DefaultDraws);
    }

    [Theory]
    [InlineData("question-concat-scripted.pt", true)]
    [InlineData("question-concat-traced.pt", true)]
    [InlineData("concat-logit.pt", true)]
    [InlineData("product.pt", false)]
    [InlineData("shared-absdiff.pt", false)]
    [InlineData("cosine.pt", false)]
    [InlineData("concat-mlp.pt", false)]
    public void A_PyTorch_model_is_found_separable_exactly_when_its_fusion_adds_up(string file, bool separable)
    {
        using var model = Script(file);
        Checked(model).Separable.Should().Be(separable);
    }

    [Theory]
    [InlineData("question-concat-scripted.pt", true)]
    [InlineData("concat-mlp.pt", false)]
    public void On_Fashion_MNIST_s_grid_the_verdict_is_the_same(string file, bool separable)
    {
        using var model = Script(file);
        Checked(model, PairData.FashionMnistSubset, 28).Separable.Should().Be(separable);
    }

    [Fact]
    public void The_model_given_is_never_changed_and_the_same_seed_gives_the_same_draws()
    {
        using var scope = NewDisposeScope();
        using var model = Script("concat-mlp.pt");
        var before = model.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());
        var first = Checked(model);
        var again = Checked(model);
        foreach (var (key, value) in model.state_dict()) value.allclose(before[key], rtol: 0, atol: 0).Should().BeTrue(key);
        again.DrawResults.Should().Equal(first.DrawResults);
        using var colours = PairSources.For(PairData.Colours);
        ArchitectureCheck.Run(model, colours, Size, TestDevice.Current, seed: 2).DrawResults.Select(d => d.Share).Should().NotEqual(first.DrawResults.Select(d => d.Share));
    }

    [Fact]
    public void A_copy_of_an_XnorSpec_model_has_its_logits_and_its_own_parameters()
    {
        using var scope = NewDisposeScope();
        using var model = Fresh(FusionKind.Product, seed: 9);
        model.eval();
        var (query, template) = ColourSource.FourPairs(Size, TestDevice.Current);
        using var _ = no_grad();
        var before = model.Logit(query, template).clone();
        using var copy = model.Copy();
        copy.training.Should().BeFalse("a copy is in the model's mode");
        copy.Logit(query, template).allclose(before, rtol: 0, atol: 0).Should().BeTrue();
        foreach (var parameter in copy.parameters()) parameter.add_(1);
        model.Logit(query, template).allclose(before, rtol: 0, atol: 0).Should().BeTrue("changing the copy leaves the original as it was");
    }

    [Fact]
    public void A_comparison_model_written_in_dotnet_is_checked_in_a_few_lines()
    {
        using var model = new MeanProduct(); // defined below: w * (mean(q) * mean(t)) + b, an interaction; w * (mean(q) + mean(t)) + b is separable
        using var source = PairSources.For(PairData.Colours);
        ArchitectureCheck.Run(model, source, imageSize: 8, CPU).Separable.Should().BeFalse();
        using var sum = new MeanProduct(sum: true);
        ArchitectureCheck.Run(sum, source, imageSize: 8, CPU).Separable.Should().BeTrue();
    }

    private sealed class MeanProduct : ComparisonModel
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(3, 1);
        private readonly bool sum;

        public MeanProduct(bool sum = false) : base(nameof(MeanProduct))
        {
            this.sum = sum;
            RegisterComponents();
        }

        public override Tensor Logit(Tensor query, Tensor template)
        {
            using var scope = NewDisposeScope();
            var (q, t) = (query.mean([2, 3]), template.mean([2, 3]));
            return fc.call(sum ? q + t : q * t).flatten().MoveToOuterDisposeScope();
        }

        public override string Description => sum ? "mean-sum model" : "mean-product model";

        public override ComparisonModel Copy()
        {
            var copy = new MeanProduct(sum);
            using (no_grad()) { copy.fc.weight!.copy_(fc.weight!); copy.fc.bias!.copy_(fc.bias!); }
            return copy;
        }
    }
}
