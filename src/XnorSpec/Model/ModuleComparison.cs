using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Model;

/// <summary>
/// Any TorchSharp module that maps a query batch and a template batch to one probability (or logit) per pair, as a
/// <see cref="ComparisonModel"/>, so a .NET team can run XnorSpec's checks on its own model in its own tests:
/// <c>ComparisonModel.Of(() =&gt; new MyModel())</c>. The factory builds the module once and again for each copy the
/// structural test perturbs (the copy gets this module's weights), so the module given is never changed.
/// </summary>
public sealed class ModuleComparison : ComparisonModel
{
    private readonly nn.Module<Tensor, Tensor, Tensor> module;
    private readonly Func<nn.Module<Tensor, Tensor, Tensor>> factory;

    internal ModuleComparison(Func<nn.Module<Tensor, Tensor, Tensor>> factory, bool returnsLogits) : base(nameof(ModuleComparison))
    {
        this.factory = factory;
        module = factory();
        ReturnsLogits = returnsLogits;
        RegisterComponents();
    }

    /// <summary>Whether the module returns logits; otherwise probabilities, clamped to [2^-24, 1 - 2^-24] before log(p / (1 - p)).</summary>
    public bool ReturnsLogits { get; }

    public nn.Module<Tensor, Tensor, Tensor> Module => module;

    public override string Description => $"module {module.GetName()}";

    public override double? SaturatedLogit => ReturnsLogits ? null : ClampedLogit;

    public override Tensor Logit(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        var output = module.call(query, template).flatten();
        if (output.shape[0] != query.shape[0])
            throw new ArgumentException($"{Description} returned {output.shape[0]} values for {query.shape[0]} pairs; return one probability or logit per pair.");
        return (ReturnsLogits ? output : LogitOfProbability(output)).MoveToOuterDisposeScope();
    }

    public override ComparisonModel Copy() => WithThisModelsWeights(new ModuleComparison(factory, ReturnsLogits));
}
