using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ded.Student.Training;

/// <summary>Shape of the lab's student. Defaults give about 1.3M parameters: on 2 CPU threads that trains at a few
/// thousand tokens/s (measured by `ded bench train`), fast enough for `ded lab` to pretrain and fine-tune in minutes.</summary>
public sealed record TinyGptConfig
{
    public int VocabSize { get; init; } = CharTokenizer.LabVocabSize; // printable ASCII + '\n' + PAD/BOS/EOS
    public int BlockSize { get; init; } = 256;  // longest context; lab prompt + answer fit with room to spare
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int EmbedDim { get; init; } = 160;   // head size 40: even, as rotary embeddings need
    public double FfnMult { get; init; } = 8.0 / 3.0; // SwiGLU hidden = 8/3·C keeps the MLP at ~8·C² params (LLaMA)
    public double RopeBase { get; init; } = 10000.0;
    public double NormEps { get; init; } = 1e-5;

    public int HeadSize => EmbedDim / Heads;
    /// <summary>SwiGLU hidden width, rounded up to a multiple of 32 so matmuls stay vector-friendly.</summary>
    public int FfnHidden => (int)Math.Ceiling(FfnMult * EmbedDim / 32.0) * 32;

    /// <summary>Throws when the shape cannot build a model.</summary>
    public void Validate()
    {
        if (VocabSize < 4) throw new ArgumentException($"TinyGptConfig.VocabSize must be >= 4 (got {VocabSize})");
        if (BlockSize < 2) throw new ArgumentException($"TinyGptConfig.BlockSize must be >= 2 (got {BlockSize})");
        if (Layers < 1 || Heads < 1) throw new ArgumentException($"TinyGptConfig.Layers and Heads must be >= 1 (got {Layers}, {Heads})");
        if (EmbedDim % Heads != 0 || HeadSize % 2 != 0)
            throw new ArgumentException($"TinyGptConfig.EmbedDim ({EmbedDim}) must split into {Heads} heads of even size (rotary pairs dimensions)");
    }
}

/// <summary>RMSNorm (Zhang and Sennrich 2019): scale by the root mean square, no centring, no bias.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(string name, long dim, double eps) : base(name)
    {
        weight = nn.Parameter(ones(dim));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x * (x.pow(2).mean([-1], keepdim: true) + eps).rsqrt() * weight; // (B, T, C)
}

/// <summary>Rotary position embeddings (Su et al. 2021), in the rotate-half layout; cos/sin tables for every position.</summary>
internal sealed class Rotary : IDisposable
{
    private readonly Tensor cos, sin; // (BlockSize, hs)

    public Rotary(TinyGptConfig config)
    {
        using var scope = NewDisposeScope();
        var invFreq = 1.0 / pow(config.RopeBase, arange(0, config.HeadSize, 2, float64) / config.HeadSize); // (hs/2)
        var freqs = outer(arange(config.BlockSize, float64), invFreq);                                         // (T, hs/2)
        var emb = cat([freqs, freqs], -1);                                                                      // (T, hs)
        cos = emb.cos().to(float32).MoveToOuterDisposeScope();
        sin = emb.sin().to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>Rotates (B, nh, T, hs) queries or keys that sit at positions start..start+T.</summary>
    public Tensor Apply(Tensor x, long start)
    {
        long T = x.shape[2], half = x.shape[3] / 2;
        var c = cos.narrow(0, start, T);                                       // (T, hs)
        var s = sin.narrow(0, start, T);                                       // (T, hs)
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1); // (B, nh, T, hs)
        return x * c + rotated * s;
    }

    public void Dispose() { cos.Dispose(); sin.Dispose(); }
}

/// <summary>Keys and values of every layer for the positions decoded so far, preallocated to the block size.</summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] keys, values; // per layer (B, nh, BlockSize, hs); B shrinks as sequences finish

    internal KvCache(TinyGptConfig config, long batch)
    {
        keys = new Tensor[config.Layers];
        values = new Tensor[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            keys[l] = zeros(batch, config.Heads, config.BlockSize, config.HeadSize).DetachFromDisposeScope();
            values[l] = zeros(batch, config.Heads, config.BlockSize, config.HeadSize).DetachFromDisposeScope();
        }
    }

    /// <summary>Positions already in the cache; the next forward call starts here.</summary>
    public long Length { get; internal set; }

    /// <summary>Writes (B, nh, T, hs) at Length and returns everything so far, (B, nh, Length + T, hs).</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        long T = k.shape[2];
        keys[layer].narrow(2, Length, T).copy_(k);
        values[layer].narrow(2, Length, T).copy_(v);
        return (keys[layer].narrow(2, 0, Length + T), values[layer].narrow(2, 0, Length + T));
    }

    /// <summary>Keeps only the given sequences (indices into the batch), in that order; the cached positions stay.</summary>
    internal void Keep(Tensor rows)
    {
        for (int l = 0; l < keys.Length; l++)
        {
            keys[l] = Narrowed(keys[l], rows);
            values[l] = Narrowed(values[l], rows);
        }
    }

    private Tensor Narrowed(Tensor all, Tensor rows)
    {
        var kept = zeros(rows.shape[0], all.shape[1], all.shape[2], all.shape[3]).DetachFromDisposeScope();
        using (var filled = all.narrow(2, 0, Length).index_select(0, rows)) kept.narrow(2, 0, Length).copy_(filled);
        all.Dispose();
        return kept;
    }

    public void Dispose()
    {
        foreach (var t in keys) t.Dispose();
        foreach (var t in values) t.Dispose();
    }
}

internal sealed class CausalSelfAttention : nn.Module
{
    private readonly Linear c_attn, c_proj;
    private readonly int heads;

    public CausalSelfAttention(string name, TinyGptConfig config) : base(name)
    {
        c_attn = nn.Linear(config.EmbedDim, 3 * config.EmbedDim, hasBias: false);
        c_proj = nn.Linear(config.EmbedDim, config.EmbedDim, hasBias: false);
        heads = config.Heads;
        RegisterComponents();
    }

    /// <summary>mask null: plain causal attention over x. Otherwise a (B, 1, T, S) boolean mask, true = may attend.</summary>
    public Tensor Forward(Tensor x, Rotary rotary, long start, Tensor? mask, KvCache? cache, int layer)
    {
        long B = x.shape[0], T = x.shape[1], C = x.shape[2];
        var qkv = c_attn.forward(x).split(C, 2);                             // 3 × (B, T, C)
        var q = qkv[0].view(B, T, heads, C / heads).transpose(1, 2);          // (B, nh, T, hs)
        var k = qkv[1].view(B, T, heads, C / heads).transpose(1, 2);          // (B, nh, T, hs)
        var v = qkv[2].view(B, T, heads, C / heads).transpose(1, 2);          // (B, nh, T, hs)
        q = rotary.Apply(q, start);
        k = rotary.Apply(k, start);
        if (cache is not null) (k, v) = cache.Append(layer, k, v);            // (B, nh, S, hs)
        var y = mask is null
            ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true)
            : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask); // (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C);                    // (B, T, C)
        return c_proj.forward(y);
    }
}

/// <summary>SwiGLU feed-forward (Shazeer 2020): silu(x·W1) ⊙ (x·W3), then W2.</summary>
internal sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear w1, w3, w2;

    public SwiGluMlp(string name, TinyGptConfig config) : base(name)
    {
        w1 = nn.Linear(config.EmbedDim, config.FfnHidden, hasBias: false);
        w3 = nn.Linear(config.EmbedDim, config.FfnHidden, hasBias: false);
        w2 = nn.Linear(config.FfnHidden, config.EmbedDim, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        w2.forward(nn.functional.silu(w1.forward(x)) * w3.forward(x)); // (B, T, H) → (B, T, C)
}

internal sealed class Block : nn.Module
{
    private readonly RmsNorm ln_1, ln_2;
    private readonly CausalSelfAttention attn;
    private readonly SwiGluMlp mlp;

    public Block(string name, TinyGptConfig config) : base(name)
    {
        ln_1 = new RmsNorm("ln_1", config.EmbedDim, config.NormEps);
        attn = new CausalSelfAttention("attn", config);
        ln_2 = new RmsNorm("ln_2", config.EmbedDim, config.NormEps);
        mlp = new SwiGluMlp("mlp", config);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Rotary rotary, long start, Tensor? mask, KvCache? cache, int layer)
    {
        x = x + attn.Forward(ln_1.forward(x), rotary, start, mask, cache, layer); // (B, T, C)
        return x + mlp.forward(ln_2.forward(x));                                  // (B, T, C)
    }
}

/// <summary>A decoder-only transformer in the spirit of nanoGPT, with RMSNorm, rotary positions and SwiGLU.
/// The output head shares the token embedding (weight tying, as GPT-2 and nanoGPT do) to save parameters.</summary>
public sealed class TinyGpt : nn.Module
{
    private readonly Embedding wte;
    private readonly ModuleList<Block> h;
    private readonly RmsNorm ln_f;
    private readonly Rotary rotary;

    /// <summary>Builds a model with nanoGPT's initialisation drawn from its own generator: same config and seed, same
    /// weights, whatever else uses libtorch's global generator.</summary>
    public TinyGpt(TinyGptConfig config, long seed = 0) : base("tiny_gpt")
    {
        config.Validate();
        Config = config;
        wte = nn.Embedding(config.VocabSize, config.EmbedDim);
        h = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(i => new Block($"h{i}", config)).ToArray());
        ln_f = new RmsNorm("ln_f", config.EmbedDim, config.NormEps);
        rotary = new Rotary(config);
        RegisterComponents();
        Initialise(seed);
    }

    public TinyGptConfig Config { get; }

    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Logits (B, T, V) for token ids (B, T). With a cache, the ids continue the cached positions and the
    /// cache grows by T. <paramref name="keyIsReal"/> (B, S ≥ start + T) marks real tokens (false = left padding).</summary>
    public Tensor Forward(Tensor idx, KvCache? cache = null, Tensor? keyIsReal = null)
    {
        long start = cache?.Length ?? 0, T = idx.shape[1];
        if (start + T > Config.BlockSize)
            throw new ArgumentException($"sequence of {start + T} tokens exceeds the block size {Config.BlockSize}");
        using var mask = cache is null && keyIsReal is null ? null : AttentionMask(start, T, keyIsReal);
        var x = wte.forward(idx);                                                  // (B, T, C)
        for (int layer = 0; layer < h.Count; layer++)
            x = h[layer].Forward(x, rotary, start, mask, cache, layer);            // (B, T, C)
        x = ln_f.forward(x);                                                       // (B, T, C)
        if (cache is not null) cache.Length = start + T;
        return nn.functional.linear(x, wte.weight!);                               // (B, T, V)
    }

    /// <summary>An empty cache for <paramref name="batch"/> sequences.</summary>
    public KvCache NewCache(long batch) => new(Config, batch);

    /// <summary>(B or 1, 1, T, S) boolean mask: causal, minus padded keys. A query always sees itself, because a row
    /// with nothing to attend to makes softmax NaN, and the NaN would reach real rows through the next layer's values.</summary>
    private static Tensor AttentionMask(long start, long T, Tensor? keyIsReal)
    {
        using var scope = NewDisposeScope();
        long S = start + T;
        var queryPos = arange(start, S).unsqueeze(1);                   // (T, 1)
        var keyPos = arange(0, S).unsqueeze(0);                         // (1, S)
        var mask = keyPos.le(queryPos).unsqueeze(0);                    // (1, T, S)
        if (keyIsReal is not null)
            mask = mask.logical_and(keyIsReal.narrow(1, 0, S).unsqueeze(1)).logical_or(keyPos.eq(queryPos)); // (B, T, S)
        return mask.unsqueeze(1).MoveToOuterDisposeScope();             // (B, 1, T, S)
    }

    /// <summary>N(0, 0.02) weights; residual projections scaled by 1/√(2·layers) (GPT-2 §2.3) so the residual
    /// stream's variance does not grow with depth.</summary>
    private void Initialise(long seed)
    {
        using var generator = new torch.Generator((ulong)seed, CPU);
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            bool isResidualProjection = name.EndsWith("attn.c_proj.weight") || name.EndsWith("mlp.w2.weight");
            if (p.dim() == 2) p.normal_(0.0, isResidualProjection ? 0.02 / Math.Sqrt(2.0 * Config.Layers) : 0.02, generator);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) rotary.Dispose();
        base.Dispose(disposing);
    }
}
