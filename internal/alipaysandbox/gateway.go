package alipaysandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// apiError is Alipay's error shape: code/msg plus sub_code/sub_msg.
type apiError struct {
	Code, Msg, SubCode, SubMsg string
}

func (e *apiError) Error() string { return e.Code + " " + e.SubCode + ": " + e.SubMsg }

func invalidArg(subCode, subMsg string) *apiError {
	return &apiError{Code: "40002", Msg: "Invalid Arguments", SubCode: subCode, SubMsg: subMsg}
}

func missingArg(subCode, subMsg string) *apiError {
	return &apiError{Code: "40001", Msg: "Missing Required Arguments", SubCode: subCode, SubMsg: subMsg}
}

func bizError(subCode, subMsg string) *apiError {
	return &apiError{Code: "40004", Msg: "Business Failed", SubCode: subCode, SubMsg: subMsg}
}

// Business errors of the trade API.
var (
	errTradeNotExist = func() *apiError { return bizError("ACQ.TRADE_NOT_EXIST", "交易不存在") }
	errTradeStatus   = func() *apiError { return bizError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法") }
	errTradeClosed   = func() *apiError { return bizError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭") }
	errInvalidParam  = func(msg string) *apiError { return bizError("ACQ.INVALID_PARAMETER", "参数无效: "+msg) }
)

// object is a JSON object that keeps its field order.
type object []field

type field struct {
	k string
	v any
}

func (o object) add(k string, v any) object { return append(o, field{k, v}) }

// addIf adds a string field only when it is not empty.
func (o object) addIf(k, v string) object {
	if v == "" {
		return o
	}
	return append(o, field{k, v})
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.k)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func errorObject(e *apiError) object {
	return object{{"code", e.Code}, {"msg", e.Msg}, {"sub_code", e.SubCode}, {"sub_msg", e.SubMsg}}
}

func successObject() object {
	return object{{"code", "10000"}, {"msg", "Success"}}
}

// writeResponse writes {"<key>":<biz>,"sign":"..."}, the signature being over
// the exact bytes of <biz> (what smartwalle's decode verifies). Unsigned
// responses are what Alipay sends for requests it could not authenticate.
func (s *Sandbox) writeResponse(w http.ResponseWriter, key string, biz object, signed bool) {
	raw, err := biz.MarshalJSON()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	b.WriteString(`{"`)
	b.WriteString(key)
	b.WriteString(`":`)
	b.Write(raw)
	if signed {
		sign, err := signRSA2(s.key, raw)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		b.WriteString(`,"sign":"`)
		b.WriteString(sign)
		b.WriteString(`"`)
	}
	b.WriteString("}")
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// checkRequest authenticates an app request: app_id, then the RSA2 signature.
func (s *Sandbox) checkRequest(form url.Values) *apiError {
	switch appID := form.Get("app_id"); {
	case appID == "":
		return missingArg("isv.missing-app-id", "缺少AppID参数")
	case appID != s.appID:
		return invalidArg("isv.invalid-app-id", "无效的AppID参数")
	}
	if form.Get("sign") == "" {
		return missingArg("isv.missing-signature", "缺少签名参数")
	}
	if st := form.Get("sign_type"); st != "RSA2" {
		return invalidArg("isv.invalid-signature-type", fmt.Sprintf("无效的签名类型 %q: the sandbox only speaks RSA2", st))
	}
	if form.Get("encrypt_type") != "" {
		return invalidArg("isv.invalid-encrypt-type", "the sandbox does not support content encryption (SetEncryptKey)")
	}
	if form.Get("app_cert_sn") != "" || form.Get("alipay_root_cert_sn") != "" {
		return invalidArg("isv.invalid-app-cert-sn", "the sandbox uses the public-key mode, not certificates")
	}
	if err := verifyRequest(s.appPub, form); err != nil {
		return invalidArg("isv.invalid-signature", "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："+
			string(signContent(form, false, "sign")))
	}
	return nil
}

// bizContent reads biz_content into strings (numbers are accepted too).
func bizContent(form url.Values) (map[string]string, *apiError) {
	raw := form.Get("biz_content")
	out := map[string]string{}
	if raw == "" {
		return out, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, invalidArg("isv.invalid-biz-content", "biz_content is not a JSON object: "+err.Error())
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case nil:
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out, nil
}

func (s *Sandbox) serveGateway(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form := r.Form
	method := form.Get("method")
	switch method {
	case "alipay.trade.page.pay":
		s.servePagePay(w, r, form)
		return
	case "alipay.trade.query", "alipay.trade.close", "alipay.trade.refund":
	case "":
		s.writeResponse(w, "error_response", errorObject(missingArg("isv.missing-method", "缺少方法名参数")), false)
		return
	default:
		s.writeResponse(w, "error_response", errorObject(invalidArg("isv.invalid-method",
			"不存在的方法名 (the sandbox supports alipay.trade.page.pay/query/close/refund)")), false)
		return
	}
	key := strings.ReplaceAll(method, ".", "_") + "_response"
	if e := s.checkRequest(form); e != nil {
		s.log.Warn("alipay sandbox: refused request", "method", method, "sub_code", e.SubCode)
		s.writeResponse(w, key, errorObject(e), false)
		return
	}
	biz, e := bizContent(form)
	if e != nil {
		s.writeResponse(w, key, errorObject(e), true)
		return
	}
	f, faulty := s.nextFault(method)
	if faulty && !f.applied {
		s.writeResponse(w, key, errorObject(errSystem()), true)
		return
	}
	var rsp object
	ctx := r.Context()
	switch method {
	case "alipay.trade.query":
		rsp = s.tradeQuery(ctx, biz)
	case "alipay.trade.close":
		rsp = s.tradeClose(ctx, biz)
	case "alipay.trade.refund":
		rsp = s.tradeRefund(ctx, biz)
	}
	if faulty {
		rsp = errorObject(errSystem()) // done, but the app never learns it
	}
	s.writeResponse(w, key, rsp, true)
}

// fault is one injected failure of a gateway method.
type fault struct{ applied bool }

// errSystem is Alipay's answer when it is unwell: the outcome is unknown and
// the caller must try again with the same request.
func errSystem() *apiError {
	return &apiError{Code: "20000", Msg: "Service Currently Unavailable", SubCode: "isp.unknow-error", SubMsg: "系统繁忙"}
}

// FailNext makes the next n calls of method (e.g. "alipay.trade.refund")
// answer Alipay's system error (code 20000). With applied, each call takes
// effect first and only its answer says otherwise, as when Alipay did the
// work and the response was lost; without, nothing happens (and the call
// is not counted in TradeState.RefundCalls).
func (s *Sandbox) FailNext(method string, n int, applied bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults == nil {
		s.faults = map[string][]fault{}
	}
	for range n {
		s.faults[method] = append(s.faults[method], fault{applied: applied})
	}
}

func (s *Sandbox) nextFault(method string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	s.faults[method] = q[1:]
	return q[0], true
}

// storeFailed is the answer when the trade store did not answer: Alipay's
// system error, which the app retries, never a definite "no such trade".
func (s *Sandbox) storeFailed(method string, err error) object {
	s.log.Error("alipay sandbox: trade store", "method", method, "err", err)
	return errorObject(errSystem())
}

func (s *Sandbox) tradeQuery(ctx context.Context, biz map[string]string) object {
	otn, tn := biz["out_trade_no"], biz["trade_no"]
	if otn == "" && tn == "" {
		return errorObject(errInvalidParam("out_trade_no or trade_no is required"))
	}
	r, err := s.lookup(ctx, queryScript, otn, tn)
	if err != nil {
		return s.storeFailed("alipay.trade.query", err)
	}
	t := r.trade
	if r.code == 0 || t == nil {
		return errorObject(errTradeNotExist()).
			add("buyer_pay_amount", "0.00").
			add("invoice_amount", "0.00").
			addIf("out_trade_no", otn).
			add("point_amount", "0.00").
			add("receipt_amount", "0.00")
	}
	paid := "0.00"
	if t.everPaid {
		paid = formatCents(t.totalCents)
	}
	o := successObject()
	if t.everPaid {
		o = o.add("buyer_logon_id", "sbx***@sandbox.com")
	}
	o = o.add("buyer_pay_amount", paid)
	if t.everPaid {
		o = o.add("buyer_user_id", t.buyerID).add("buyer_user_type", "PRIVATE")
	}
	o = o.add("invoice_amount", paid).
		add("out_trade_no", t.outTradeNo).
		add("point_amount", "0.00").
		add("receipt_amount", paid)
	if t.everPaid {
		o = o.add("send_pay_date", s.fmtTime(t.paid))
	}
	return o.add("total_amount", formatCents(t.totalCents)).
		add("trade_no", t.tradeNo).
		add("trade_status", t.status)
}

func (s *Sandbox) tradeClose(ctx context.Context, biz map[string]string) object {
	otn, tn := biz["out_trade_no"], biz["trade_no"]
	if otn == "" && tn == "" {
		return errorObject(errInvalidParam("out_trade_no or trade_no is required"))
	}
	r, err := s.lookup(ctx, closeScript, otn, tn)
	switch {
	case err != nil:
		return s.storeFailed("alipay.trade.close", err)
	case r.code == 0:
		// Also what Alipay answers for a page-pay URL nobody opened.
		return errorObject(errTradeNotExist())
	case r.code == 2:
		return errorObject(errTradeStatus())
	}
	t := r.trade
	if r.code == 3 {
		s.log.Info("alipay sandbox: trade closed", "out_trade_no", t.outTradeNo, "trade_no", t.tradeNo)
	}
	return successObject().add("out_trade_no", t.outTradeNo).add("trade_no", t.tradeNo)
}

func (s *Sandbox) tradeRefund(ctx context.Context, biz map[string]string) object {
	otn, tn := biz["out_trade_no"], biz["trade_no"]
	if otn == "" && tn == "" {
		return errorObject(errInvalidParam("out_trade_no or trade_no is required"))
	}
	cents, err := parseAmount(biz["refund_amount"])
	if err != nil {
		return errorObject(errInvalidParam("refund_amount: " + err.Error()))
	}
	r, err := s.lookup(ctx, refundScript, otn, tn, biz["out_request_no"], cents)
	if err != nil {
		return s.storeFailed("alipay.trade.refund", err)
	}
	switch r.code {
	case 0:
		return errorObject(errTradeNotExist())
	case 2:
		return errorObject(bizError("ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致: out_request_no reused with another refund_amount"))
	case 3:
		return errorObject(errTradeStatus())
	case 4:
		return errorObject(errTradeClosed())
	case 5:
		return errorObject(bizError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"))
	}
	t, reqNo := r.trade, r.extra
	rf := t.refunds[reqNo]
	fundChange := "N"
	if r.code == 6 {
		fundChange = "Y"
	}
	out := successObject().
		add("buyer_logon_id", "sbx***@sandbox.com").
		add("buyer_user_id", t.buyerID).
		add("fund_change", fundChange).
		add("gmt_refund_pay", s.fmtTime(rf.at)).
		add("out_trade_no", t.outTradeNo).
		add("refund_fee", formatCents(t.refunded)).
		add("send_back_fee", formatCents(rf.cents)).
		add("trade_no", t.tradeNo)
	if r.code != 6 {
		return out
	}
	s.log.Info("alipay sandbox: refund", "out_trade_no", t.outTradeNo, "out_request_no", reqNo,
		"refund_amount", formatCents(cents), "refunded", formatCents(t.refunded))
	if s.notifyRefunds && t.notifyURL != "" {
		extra := url.Values{}
		extra.Set("refund_fee", formatCents(t.refunded))
		extra.Set("gmt_refund", s.fmtTime(rf.at))
		extra.Set("out_biz_no", reqNo)
		if t.status == StatusClosed {
			extra.Set("gmt_close", s.fmtTime(rf.at))
		}
		d, err := s.newDelivery(t, "refund", extra)
		if err != nil {
			s.log.Error("alipay sandbox: signing refund notification", "err", err)
		} else {
			s.deliverAsync(d, true)
		}
	}
	return out
}
