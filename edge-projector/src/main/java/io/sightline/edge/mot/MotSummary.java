package io.sightline.edge.mot;

/**
 * Scores of one tracker output against ground truth.
 *
 * <p>CLEAR MOT and identity metrics follow py-motmetrics 1.4.0; HOTA, DetA and AssA follow
 * TrackEval (mean over alpha = 0.05, 0.10, ..., 0.95).
 *
 * @param mota 1 - (fn + fp + idsw) / numObjects
 * @param motp mean of 1 - IoU over matched pairs (lower is better, py-motmetrics convention)
 * @param idf1 2 idtp / (2 idtp + idfp + idfn)
 * @param idp idtp / (idtp + idfp)
 * @param idr idtp / (idtp + idfn)
 * @param recall matched / numObjects
 * @param precision matched / (matched + fp)
 * @param fp false positives (unmatched predictions)
 * @param fn false negatives (missed ground-truth boxes)
 * @param idsw identity switches
 * @param fm fragmentations: tracked-to-missed transitions inside each object's tracked span
 * @param gt number of distinct ground-truth ids
 * @param mt mostly tracked ids (tracked in at least 80 % of their frames)
 * @param pt partially tracked ids (20 % to 80 %)
 * @param ml mostly lost ids (under 20 %)
 * @param hota higher order tracking accuracy
 * @param deta detection accuracy (HOTA component)
 * @param assa association accuracy (HOTA component)
 * @param idtp identity true positives
 * @param idfp identity false positives
 * @param idfn identity false negatives
 * @param numObjects ground-truth boxes scored
 * @param numPredictions predicted boxes scored
 * @param numFrames frames seen in either input
 */
public record MotSummary(double mota, double motp, double idf1, double idp, double idr,
                         double recall, double precision, int fp, int fn, int idsw, int fm,
                         int gt, int mt, int pt, int ml, double hota, double deta, double assa,
                         int idtp, int idfp, int idfn, int numObjects, int numPredictions,
                         int numFrames) {

    /** JSON object with the keys the {@code mot-eval} command promises, in a fixed order. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(512);
        sb.append('{');
        num(sb, "mota", mota).append(',');
        num(sb, "motp", motp).append(',');
        num(sb, "idf1", idf1).append(',');
        num(sb, "idp", idp).append(',');
        num(sb, "idr", idr).append(',');
        num(sb, "recall", recall).append(',');
        num(sb, "precision", precision).append(',');
        sb.append("\"fp\":").append(fp).append(',');
        sb.append("\"fn\":").append(fn).append(',');
        sb.append("\"idsw\":").append(idsw).append(',');
        sb.append("\"fm\":").append(fm).append(',');
        sb.append("\"gt\":").append(gt).append(',');
        sb.append("\"mt\":").append(mt).append(',');
        sb.append("\"pt\":").append(pt).append(',');
        sb.append("\"ml\":").append(ml).append(',');
        num(sb, "hota", hota).append(',');
        num(sb, "deta", deta).append(',');
        num(sb, "assa", assa);
        sb.append('}');
        return sb.toString();
    }

    private static StringBuilder num(StringBuilder sb, String key, double v) {
        sb.append('"').append(key).append("\":");
        // JSON has no NaN; an undefined ratio (e.g. no predictions) is written as null.
        if (Double.isFinite(v)) {
            sb.append(v);
        } else {
            sb.append("null");
        }
        return sb;
    }
}
