using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Model;

/// <summary>
/// The ways the two encoders' feature vectors q and t are fused into one logit. A head is
/// additively separable when its logit is f(q) + g(t) + b: such a head cannot compute "same
/// colour" (XNOR), whatever the encoders learn.
/// </summary>
public enum FusionKind
{
    /// <summary>Linear(cat(q, t)): the question's head. Separable.</summary>
    Concat,
    /// <summary>Linear(q * t): the answer's head. Not separable: sum_i w_i q_i t_i.</summary>
    Product,
    /// <summary>Linear(q + t). Separable.</summary>
    Sum,
    /// <summary>Linear(|q - t|) with bias, as in Koch et al. 2015's siamese networks. Not separable.</summary>
    AbsDiff,
    /// <summary>cat(q, t), one hidden ReLU layer of 128, Linear. Not separable: the ReLU mixes q and t.</summary>
    ConcatMlp,
    /// <summary>q^T W t / sqrt(F) + b: a bilinear form over the F features. Not separable.</summary>
    Bilinear,
    /// <summary>s * cos(q, t) + b with learned scale s and bias b. Not separable.</summary>
    Cosine,
    /// <summary>Linear(cat(q, t, |q - t|, q * t)), the InferSent / Sentence-BERT classifier input. Not separable.</summary>
    InferSent,
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
        FusionKind.Concat => new LinearOverHead(kind, 2 * featureSize, (q, t) => cat(new[] { q, t }, -1)),
        FusionKind.Product => new LinearOverHead(kind, featureSize, (q, t) => q * t),
        FusionKind.Sum => new LinearOverHead(kind, featureSize, (q, t) => q + t),
        FusionKind.AbsDiff => new LinearOverHead(kind, featureSize, (q, t) => (q - t).abs()),
        FusionKind.InferSent => new LinearOverHead(kind, 4 * featureSize, (q, t) => cat(new[] { q, t, (q - t).abs(), q * t }, -1)),
        FusionKind.ConcatMlp => new ConcatMlpHead(featureSize, hidden: 128),
        FusionKind.Bilinear => new BilinearHead(featureSize),
        FusionKind.Cosine => new CosineHead(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown fusion head; valid: {string.Join(", ", Enum.GetNames<FusionKind>())}."),
    };

    /// <summary>True when the logit is f(q) + g(t) + b for every choice of weights.</summary>
    public static bool IsSeparable(FusionKind kind) => kind is FusionKind.Concat or FusionKind.Sum;
}

/// <summary>A fixed combination of q and t followed by one linear unit: most of the catalogue.</summary>
public sealed class LinearOverHead : FusionHead
{
    private readonly nn.Module<Tensor, Tensor> output;
    private readonly Func<Tensor, Tensor, Tensor> combine;

    public LinearOverHead(FusionKind kind, int combinedSize, Func<Tensor, Tensor, Tensor> combine) : base($"{kind}Head")
    {
        Kind = kind;
        this.combine = combine;
        output = nn.Linear(combinedSize, 1);
        RegisterComponents();
    }

    public override FusionKind Kind { get; }

    public override Tensor forward(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        return output.call(combine(query, template)).flatten().MoveToOuterDisposeScope();
    }
}

public sealed class ConcatMlpHead : FusionHead
{
    private readonly nn.Module<Tensor, Tensor> hidden;
    private readonly nn.Module<Tensor, Tensor> output;

    public ConcatMlpHead(int featureSize, int hidden) : base(nameof(ConcatMlpHead))
    {
        this.hidden = nn.Linear(2 * featureSize, hidden);
        output = nn.Linear(hidden, 1);
        RegisterComponents();
    }

    public override FusionKind Kind => FusionKind.ConcatMlp;

    public override Tensor forward(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        return output.call(nn.functional.relu(hidden.call(cat(new[] { query, template }, -1)))).flatten().MoveToOuterDisposeScope();
    }
}

public sealed class BilinearHead : FusionHead
{
    private readonly TorchSharp.Modules.Parameter weight;
    private readonly TorchSharp.Modules.Parameter bias;
    private readonly int featureSize;

    public BilinearHead(int featureSize) : base(nameof(BilinearHead))
    {
        this.featureSize = featureSize;
        weight = nn.Parameter(empty(featureSize, featureSize));
        bias = nn.Parameter(zeros(1));
        using (no_grad()) nn.init.uniform_(weight, -1.0 / Math.Sqrt(featureSize), 1.0 / Math.Sqrt(featureSize));
        RegisterComponents();
    }

    public override FusionKind Kind => FusionKind.Bilinear;

    // q^T W t sums F x F products. Unscaled (torch.nn.Bilinear) the sigmoid saturates at every
    // learning rate the encoders can use (final loss 0.40-0.55 at lr 0.05, 0.01 and 0.002, even with
    // weights U(+-1/F)); divided by F it barely moves (0.249 at lr 0.05 and 0.01, seeds 1-2; not
    // kept as a file). Divided by sqrt(F), as attention scales its dot products, it learns like the
    // other heads (seeds 1-2 at lr 0.05: 0.0004 and 0.0015; fixtures/reproduction/head-probes).
    public override Tensor forward(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        return ((query.matmul(weight) * template).sum(-1) / Math.Sqrt(featureSize) + bias).MoveToOuterDisposeScope();
    }
}

public sealed class CosineHead : FusionHead
{
    private readonly TorchSharp.Modules.Parameter scale;
    private readonly TorchSharp.Modules.Parameter bias;

    public CosineHead() : base(nameof(CosineHead))
    {
        // Two independent encoders' outputs start nearly orthogonal (cos about 0), so the output starts
        // near 0.5 whatever s is; s = 10 lets it reach confident outputs (|z| up to 10) once the
        // features align, instead of first having to grow s from 1 with a small learning rate.
        scale = nn.Parameter(full(1, 10f));
        bias = nn.Parameter(zeros(1));
        RegisterComponents();
    }

    public override FusionKind Kind => FusionKind.Cosine;

    public override Tensor forward(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        return (scale * nn.functional.cosine_similarity(query, template, dim: -1) + bias).MoveToOuterDisposeScope();
    }
}
