using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Model;

/// <summary>The ways the two encoders' feature vectors are fused before the single output unit.</summary>
public enum FusionKind
{
    /// <summary>cat(q, t) then Linear(2000, 1): the question's head. Its logit is f(q) + g(t): separable.</summary>
    Concat,
    /// <summary>q * t then Linear(1000, 1): the answer's head. Multiplication lets the logit depend on agreement.</summary>
    Product,
}

/// <summary>
/// Fuses query and template features [B, F] into one logit per pair [B]. The model applies the
/// sigmoid, so Linear-then-Sigmoid here is the question's <c>nn.Sequential(nn.Linear, nn.Sigmoid)</c>.
/// </summary>
public abstract class FusionHead : nn.Module<Tensor, Tensor, Tensor>
{
    protected FusionHead(string name) : base(name) { }

    public abstract FusionKind Kind { get; }

    /// <summary>The catalogue: one line per head.</summary>
    public static FusionHead Create(FusionKind kind, int featureSize) => kind switch
    {
        FusionKind.Concat => new ConcatHead(featureSize),
        FusionKind.Product => new ProductHead(featureSize),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown fusion head; valid: {string.Join(", ", Enum.GetNames<FusionKind>())}."),
    };
}

public sealed class ConcatHead : FusionHead
{
    private readonly nn.Module<Tensor, Tensor> output;

    public ConcatHead(int featureSize) : base(nameof(ConcatHead))
    {
        output = nn.Linear(2 * featureSize, 1);
        RegisterComponents();
    }

    public override FusionKind Kind => FusionKind.Concat;

    public override Tensor forward(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        return output.call(cat(new[] { query, template }, -1)).flatten().MoveToOuterDisposeScope();
    }
}

public sealed class ProductHead : FusionHead
{
    private readonly nn.Module<Tensor, Tensor> output;

    public ProductHead(int featureSize) : base(nameof(ProductHead))
    {
        output = nn.Linear(featureSize, 1);
        RegisterComponents();
    }

    public override FusionKind Kind => FusionKind.Product;

    public override Tensor forward(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        return output.call(query * template).flatten().MoveToOuterDisposeScope();
    }
}
