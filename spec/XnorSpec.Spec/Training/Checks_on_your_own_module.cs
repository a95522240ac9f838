using FluentAssertions;
using TorchSharp;
using XnorSpec.Data;
using XnorSpec.Model;
using Xunit;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim: a .NET team asserts XnorSpec's checks on its own TorchSharp module, any Module&lt;Tensor, Tensor, Tensor&gt;
/// returning one probability per pair, in a few lines of its own tests: whether its architecture can compare at all
/// (the structural test) and whether it learns to (a trained copy judged on the data; the module given is not trained).
/// The two modules below read each image's mean colour: the question's concatenation with one linear layer, and a
/// siamese |q - t| before it. Measured with module seeds and pair seeds 1 to 5 (AMD EPYC, 2 cores): the concatenation's
/// trained copy at eval-mode XNOR loss 0.2502-0.2512 and H² at most 6e-13 over the draws; the siamese at 0.0075-0.0078
/// (SD 0.0001) and H² 1; the criterion is 0.15.
/// </summary>
public sealed class Checks_on_your_own_module
{
    private static readonly Experiment Budget = new()
    {
        Data = PairData.Colours, Labels = LabelRule.SameColour, ImageSize = 32, Epochs = 6, Pairs = 1000, BatchSize = 32, LearningRate = 0.05, Momentum = 0.9,
    };

    [Fact]
    public void The_question_s_concatenation_cannot_compare_whatever_its_weights_and_does_not_learn_to()
    {
        manual_seed(1);
        using var model = ComparisonModel.Of(() => new MeanColours(concatenate: true));
        using var source = PairSources.For(PairData.Colours);

        ArchitectureCheck.Run(model, source, Budget.ImageSize, CPU).Separable.Should().BeTrue();
        Trainability.Of(model, Budget, source, CPU).Learned.Should().BeFalse();
    }

    [Fact]
    public void A_siamese_absolute_difference_can_compare_and_learns_to_while_the_module_given_stays_untrained()
    {
        manual_seed(1);
        using var model = ComparisonModel.Of(() => new MeanColours(concatenate: false));
        using var source = PairSources.For(PairData.Colours);
        var before = model.parameters().Select(p => p.clone()).ToArray();

        ArchitectureCheck.Run(model, source, Budget.ImageSize, CPU).Separable.Should().BeFalse();
        Trainability.Of(model, Budget, source, CPU).Learned.Should().BeTrue();
        model.parameters().Zip(before).Should().OnlyContain(p => p.First.allclose(p.Second, 0, 0, false), "a copy is trained, not the module given");
    }

    [Fact]
    public void A_copy_of_your_module_has_its_weights_in_parameters_of_its_own()
    {
        manual_seed(1);
        using var model = ComparisonModel.Of(() => new MeanColours(concatenate: false));
        using var copy = model.Copy();
        var (query, template) = (rand(4, 3, 8, 8), rand(4, 3, 8, 8));

        copy.Logit(query, template).allclose(model.Logit(query, template), 0, 0, false).Should().BeTrue("the copy has the module's weights, not fresh ones");
        using (no_grad()) foreach (var parameter in copy.parameters()) parameter.add_(1);
        copy.Logit(query, template).allclose(model.Logit(query, template), 1e-3, 1e-3, false).Should().BeFalse("the copy's parameters are its own");
    }

    [Fact]
    public void Your_module_s_probabilities_become_their_logits_log_p_over_1_minus_p()
    {
        // FixedLogit returns sigmoid(mean(q) - 3 mean(t)): white against black is logit 1, black against white -3.
        using var model = ComparisonModel.Of(() => new FixedLogit());
        var (white, black) = (ones(1, 3, 8, 8), zeros(1, 3, 8, 8));

        model.Logit(white, black).item<float>().Should().BeApproximately(1f, 1e-5f);
        model.Logit(black, white).item<float>().Should().BeApproximately(-3f, 1e-5f);
        using var asLogits = ComparisonModel.Of(() => new FixedLogit(), returnsLogits: true);
        asLogits.Logit(white, black).item<float>().Should().BeApproximately(1 / (1 + MathF.Exp(-1)), 1e-6f, "a module said to return logits is read as it is");
    }

    [Fact]
    public void A_structural_test_that_says_nothing_is_no_evidence_that_the_model_is_separable()
    {
        manual_seed(1);
        using var model = ComparisonModel.Of(() => new MeanColours(concatenate: true));
        using var source = PairSources.For(PairData.Colours);
        var silent = ArchitectureCheck.Run(model, source, Budget.ImageSize, CPU) with { Separable = null };

        ModelCheck.Run(model, Budget, source, CPU, silent).Separable.Should().BeFalse("every draw set aside says nothing about the architecture");
    }

    private sealed class FixedLogit() : nn.Module<Tensor, Tensor, Tensor>(nameof(FixedLogit))
    {
        public override Tensor forward(Tensor query, Tensor template) => sigmoid(query.mean([1, 2, 3]) - 3 * template.mean([1, 2, 3]));
    }

    /// <summary>Each image's mean over its pixels (3 values), fused by concatenation or |q - t|, one linear layer, a sigmoid.</summary>
    private sealed class MeanColours : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc;
        private readonly bool concatenate;

        public MeanColours(bool concatenate) : base(nameof(MeanColours))
        {
            this.concatenate = concatenate;
            fc = nn.Linear(concatenate ? 6 : 3, 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor query, Tensor template)
        {
            using var scope = NewDisposeScope();
            var (q, t) = (query.mean([2, 3]), template.mean([2, 3]));
            return sigmoid(fc.call(concatenate ? cat([q, t], 1) : (q - t).abs())).flatten().MoveToOuterDisposeScope();
        }
    }
}
