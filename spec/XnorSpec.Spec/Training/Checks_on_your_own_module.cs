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
