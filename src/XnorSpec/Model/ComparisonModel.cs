using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Model;

/// <summary>
/// A pair model: anything that maps a query batch and a template batch to one logit per pair. XnorSpec's own
/// two-tower <see cref="PairModel"/> is one; a TorchScript file a PyTorch user saved (Files.TorchScriptModel) is
/// another. The checks (interaction contrast, interaction share, the weight draws of the structural test) and
/// the judgements of the pair sources need only <see cref="Logit"/> and <see cref="Copy"/>, so they take this.
/// </summary>
public abstract class ComparisonModel : nn.Module<Tensor, Tensor, Tensor>
{
    protected ComparisonModel(string name) : base(name) { }

    /// <summary>
    /// Any module mapping (query, template) to one probability per pair (or logit, <paramref name="returnsLogits"/>) as a
    /// comparison model; <paramref name="factory"/> builds it, and builds the copies the structural test perturbs.
    /// </summary>
    public static ModuleComparison Of(Func<nn.Module<Tensor, Tensor, Tensor>> factory, bool returnsLogits = false) => new(factory, returnsLogits);

    /// <summary>
    /// One logit per pair, [B], for query and template batches [B, C, H, W] (or single images [C, H, W], giving [1]);
    /// owned by the caller's dispose scope. The model is left in the mode it is in.
    /// </summary>
    public abstract Tensor Logit(Tensor query, Tensor template);

    /// <summary>
    /// Refuses query and template batches the model cannot take (shape, dtype, device, values) with the error
    /// <see cref="Logit"/> gives; nothing where the model checks its inputs itself only as it runs them.
    /// </summary>
    public virtual void CheckInputs(Tensor query, Tensor template) { }

    /// <summary>
    /// <see cref="Logit"/> of batches [B, C, H, W] that <see cref="CheckInputs"/> accepted, or that share the shape
    /// (but for B), dtype and device of a batch it accepted and hold finite values, without checking them again: the
    /// trainer checks a run's first batch and then steps on this, since every batch a pair source builds is alike.
    /// </summary>
    public virtual Tensor LogitOfCheckedInputs(Tensor query, Tensor template) => Logit(query, template);

    /// <summary>The probability that query and template match: the sigmoid of <see cref="Logit"/>.</summary>
    public override Tensor forward(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        return sigmoid(Logit(query, template)).MoveToOuterDisposeScope();
    }

    /// <summary>Words naming the architecture, for reports ("Concat head", "TorchScript file mine.pt").</summary>
    public abstract string Description { get; }

    /// <summary>
    /// A new model with the same architecture and weights (parameters and buffers) and its own copies of them, on
    /// the same device, in the same mode: what the structural test perturbs, so the caller's model is never touched.
    /// The caller owns it.
    /// </summary>
    public abstract ComparisonModel Copy();

    /// <summary>
    /// The |logit| at which the model's outputs are clamped (a probability output at 0 or 1), where logits stop
    /// following the weights; null when they never are. The structural test sets aside a draw that reaches it.
    /// </summary>
    public virtual double? SaturatedLogit => null;

    /// <summary>Probabilities are clamped to [<see cref="ProbabilityClamp"/>, 1 - <see cref="ProbabilityClamp"/>] before their logit: 2^-24, float32's step just below 1.</summary>
    public const double ProbabilityClamp = 1.0 / (1 << 24);

    /// <summary>The largest |logit| a probability output can give: log((1 - 2^-24) / 2^-24), about 16.64.</summary>
    public static readonly double ClampedLogit = Math.Log((1 - ProbabilityClamp) / ProbabilityClamp);

    /// <summary>log(p / (1 - p)) of probabilities, clamped first so that outputs of exactly 0 or 1 give finite logits.</summary>
    protected static Tensor LogitOfProbability(Tensor probability)
    {
        using var scope = NewDisposeScope();
        var p = probability.clamp(ProbabilityClamp, 1 - ProbabilityClamp);
        return (p.log() - (1 - p).log()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Gives <paramref name="copy"/>, a new model of this architecture, this model's parameters and buffers (copied, not
    /// shared), its device and its mode: the last step of every <see cref="Copy"/>.
    /// </summary>
    protected T WithThisModelsWeights<T>(T copy) where T : ComparisonModel
    {
        copy.to(ParameterDevice);
        using (no_grad()) // copy_ makes no new tensors: nothing for a dispose scope to own
        {
            var mine = state_dict();
            foreach (var (key, target) in copy.state_dict()) target.copy_(mine[key]);
        }
        copy.train(training);
        return copy;
    }

    /// <summary>The device of the model's first parameter (CPU when it has none).</summary>
    public Device ParameterDevice
    {
        get
        {
            var first = parameters().FirstOrDefault();
            return first is null ? CPU : first.device;
        }
    }
}
